"""The web pages under /ui/: browse, post assessments, review, upload photos from a phone.

Each page authorises with the API's role check (the user comes from the session cookie),
calls the same services as the API and renders a template. Pages are HTML and stay out of
/openapi.json (`include_in_schema=False`); tests/ui/test_access_matrix.py holds their role
matrix. Every POST carries the session's CSRF token. One module per concern:
"""

from fastapi import APIRouter

from app.ui import assessments, browse, photos, property_pages, restoration, sign_in

router = APIRouter(prefix="/ui", include_in_schema=False)
for pages in (sign_in, browse, assessments, restoration, photos, property_pages):
    router.include_router(pages.router)
