"""The catalogue: monuments as readers see them, with the condition and restoration outlook
derived from their evidence. Serves every /api/v1/monuments route (the stored monument
itself is app/monuments)."""
