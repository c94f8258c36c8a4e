"""Server-rendered pages for staff and field teams under /ui/."""
