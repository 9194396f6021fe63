"""Trial analytics: endpoint derivation, analysis plans, design and simulation."""
