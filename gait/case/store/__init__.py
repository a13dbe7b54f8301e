"""The case store: an embedded SQLite registry plus content-addressed files in a data folder.

Layout of the data folder (default ``./data``, or ``$GAIT_DATA_DIR``)::

    gait.sqlite3            registry (WAL mode, foreign keys on, schema version in user_version)
    blobs/ab/<sha256>       every stored file (videos, keypoints .npz, photos, overlays),
                            named by the SHA-256 of its bytes, written once, never changed
    models/<model_id>/      model.keras + model.json of each trained model
    keypoints-cache/        the engine's keypoint cache (:class:`gait.pose.cache.KeypointCache`)
    features/<view>/        per-clip gait parameters derived from stored keypoints (a cache)

Integrity: a blob's hash is re-computed when it is used (:meth:`CaseStore.blob_path`); a file
that no longer matches its name raises :class:`StoreError` and writes an ``integrity failure``
event (:mod:`~gait.case.store.blobs`). The ``audit`` table is append-only (SQLite triggers
refuse UPDATE and DELETE), and every ingest, extraction, training and identification appends
an event with the software version and the actor: the user name of the account that acted
(events written before accounts keep the session id they recorded).

Access: a store opened on a folder acts for the machine's operator (the command line, scripts)
and checks nothing; :meth:`CaseStore.acting_as` gives a handle that acts for one account and
checks every read and write against the roles and case membership of
:mod:`~gait.case.store.permissions` (AccessDenied, a PermissionError, when refused). The
dashboard only ever holds such a handle.

Concurrency: every operation opens its own connection (Streamlit runs each browser session in
its own thread), writes run in ``BEGIN IMMEDIATE`` transactions, and a busy timeout makes a
second writer wait instead of failing, so two sessions writing to the same case lose nothing.

The store is built table by table, each module adding one table's reads and writes to the one
below it: :mod:`~gait.case.store.database` (folder, connections, schema, audit log),
:mod:`~gait.case.store.users` (accounts, members, the acting user),
:mod:`~gait.case.store.blobs` (content-addressed files), :mod:`~gait.case.store.cases` (cases
and suspects), :mod:`~gait.case.store.clips`, :mod:`~gait.case.store.models` and
:mod:`~gait.case.store.identifications`; the records they return are in
:mod:`~gait.case.store.records`, the tables themselves in :mod:`~gait.case.store.schema`.
"""

from __future__ import annotations

from gait.case.store.database import DATA_DIR_ENV, default_data_dir, utc_now
from gait.case.store.identifications import IdentificationTable
from gait.case.store.permissions import USER_ROLES, AccessDenied
from gait.case.store.records import (
    CLIP_DIRECTIONS,
    NEXT_ADD_SUSPECTS,
    NEXT_ENROL,
    NEXT_IDENTIFY,
    NEXT_TRAIN,
    ROLES,
    SOURCES,
    AuditEvent,
    Case,
    CaseSummary,
    Clip,
    IdentificationRecord,
    Member,
    ModelRecord,
    StoreError,
    Suspect,
    User,
    one_line,
)
from gait.case.store.schema import SCHEMA_VERSION

__all__ = [
    "CLIP_DIRECTIONS",
    "DATA_DIR_ENV",
    "NEXT_ADD_SUSPECTS",
    "NEXT_ENROL",
    "NEXT_IDENTIFY",
    "NEXT_TRAIN",
    "ROLES",
    "SCHEMA_VERSION",
    "SOURCES",
    "USER_ROLES",
    "AccessDenied",
    "AuditEvent",
    "Case",
    "CaseStore",
    "CaseSummary",
    "Clip",
    "IdentificationRecord",
    "Member",
    "ModelRecord",
    "StoreError",
    "Suspect",
    "User",
    "default_data_dir",
    "one_line",
    "utc_now",
]


class CaseStore(IdentificationTable):
    """The case store on a data folder (created with its schema when new).

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder; default :func:`default_data_dir`.

    Raises
    ------
    StoreError
        If the folder cannot be created or holds a database of a newer schema.

    Examples
    --------
    >>> store = CaseStore(tmp_path)                       # doctest: +SKIP
    >>> case = store.create_case("Burglary 12 High St")    # doctest: +SKIP
    >>> store.add_suspect(case.case_id, "J. Doe")          # doctest: +SKIP
    """
