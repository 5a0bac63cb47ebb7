"""Helpers shared by the tests and the bench: big generated worlds, a served app in a process of its own."""
