from cobuild.cli import main

main()
