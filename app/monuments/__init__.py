"""Monuments as stored: their record, location and who may see it exactly. The HTTP routes
of /api/v1/monuments are in app/catalogue, which adds each monument's derived condition."""
