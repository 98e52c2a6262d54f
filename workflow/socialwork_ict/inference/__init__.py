"""Design-based inference: linearization variance, proportions, Rao-Scott and Wald tests."""
