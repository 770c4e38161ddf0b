"""The command layer: the ``shouwang`` CLI's commands (docs/architecture.md, "Layers")."""
