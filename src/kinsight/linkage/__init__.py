"""The child index: identifier checks, deterministic and probabilistic linkage, stable person ids."""
