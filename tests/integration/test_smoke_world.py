def test_the_world_fixture_starts_term_one_and_plans_two_conferences(world):
    assert world.term.status == "active"
    assert world.conference(1).code == "2026-Q1"
    assert world.conference(2).code == "2026-Q2"
