"""One module per diagram: each has `PARTS` (what to read) and `draw(snapshot, ...) -> Diagram` (pure)."""
