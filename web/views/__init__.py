"""One module per area of the staff pages; each view resolves the tenant, calls one service or selector, renders."""
