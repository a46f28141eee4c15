"""Optimization models (CP-SAT, LP bounds). Pure: own problem types in, plain results out; never imports wfm."""
