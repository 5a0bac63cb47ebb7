from cobuild.cli.main import main

main()
