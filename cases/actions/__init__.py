"""The case write path, one module per concern (docs/architecture.md, "Cases"). Callers import the module they mean."""
