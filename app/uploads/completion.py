"""Making a fully received upload a photo, in transactions of its own.

The request's check-receive-write transactions (`ReceiveThenWrite`) are used twice here: the
last chunk is committed first, so the slow part (hashing, Pillow, storage) holds no lock on
the upload; a refusal is then recorded in a transaction of its own, because the one that
tried to make the photo rolled back.
"""

from datetime import timedelta

from app.core.actors import Caller
from app.core.config import Settings
from app.core.dependencies import ReceiveThenWrite
from app.core.errors import RegistryError
from app.core.storage import Storage
from app.photos.dependencies import image_rules
from app.uploads import service
from app.uploads.models import Upload, UploadState


def finish(
    *,
    transactions: ReceiveThenWrite,
    storage: Storage,
    settings: Settings,
    upload: Upload,
    owner: Caller,
) -> Upload:
    """The upload made a photo (or refused, raising the problem it is refused with).

    Safe to call again, or from two requests at once: the photo's dedupe finds the first
    photo, and only the first call changes the upload.
    """
    root = settings.resumable_uploads_dir
    expiry = timedelta(seconds=settings.resumable_upload_expiry_seconds)
    received = service.received_file(upload, root=root)
    try:
        with transactions.write() as session:
            finished, _ = service.make_photo(
                session=session,
                storage=storage,
                upload=upload,
                received=received,
                owner=owner,
                rules=image_rules(settings),
                root=root,
                expiry=expiry,
            )
            return finished
    except RegistryError as error:
        if error.status >= 500:
            # The server was busy or its storage failed: the bytes stay, and the client's
            # next HEAD (or GET) tries again.
            raise
        with transactions.write() as session:
            refused = service.record_refusal(
                session=session, upload=upload, error=error, owner=owner, root=root, expiry=expiry
            )
        if refused.state == UploadState.failed:
            raise service.StoredProblem(refused.problem) from None
        return refused  # a concurrent request made the photo first
