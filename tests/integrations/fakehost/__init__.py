"""A stand-in provider used by the tests to prove that a new type plugs in by adding a module."""
