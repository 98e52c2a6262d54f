"""Survey-weighted regression models (proportional odds, logistic)."""
