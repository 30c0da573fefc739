"""The per-video change counter: every accepted change gets the next `seq` of its video."""
from django.db import connection, transaction

from webapp.videos.models import Video


def next_seq(video_id: int) -> int:
    """Atomically increment and return the video's seq.

    One `UPDATE ... RETURNING` statement: the row lock (Postgres) or the write lock
    (SQLite) serialises concurrent callers, so no two callers ever get the same value.
    Call it inside the transaction that stores the change, so the seq and the change
    commit together.
    """
    table = Video._meta.db_table
    # savepoint=False: inside the caller's transaction a savepoint is two more round trips
    # per change, and a failure here fails the whole change anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cur:
        cur.execute(
            f'UPDATE "{table}" SET seq = seq + 1 WHERE id = %s RETURNING seq', [video_id]
        )
        row = cur.fetchone()
    if row is None:
        raise Video.DoesNotExist(f"video {video_id} does not exist")
    return int(row[0])
