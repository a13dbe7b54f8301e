"""The cases and suspects tables of the case store."""

from __future__ import annotations

import sqlite3

from gait.case.store.blobs import BlobFiles, check_image
from gait.case.store.database import utc_now
from gait.case.store.permissions import CHANGE_CASE, CREATE_CASE, OPEN_CASE
from gait.case.store.records import (
    NEXT_ADD_SUSPECTS,
    NEXT_ENROL,
    NEXT_IDENTIFY,
    NEXT_TRAIN,
    Case,
    CaseSummary,
    StoreError,
    Suspect,
    clean_name,
    one_line,
)
from gait.media.keypoints import VIEWS


class CaseTables(BlobFiles):
    """Reads and writes of cases and their suspects."""

    @staticmethod
    def _case(row: sqlite3.Row) -> Case:
        return Case(row["case_id"], row["name"], row["notes"], bool(row["synthetic"]),
                    row["created_at"], row["owner_id"])

    def cases(self) -> list[Case]:
        """Every case the acting user is a member of (every case for the machine's
        operator), newest first."""
        with self._connect() as conn:
            if self.user is None:
                rows = conn.execute("SELECT * FROM cases ORDER BY case_id DESC").fetchall()
            else:
                rows = conn.execute(
                    "SELECT c.* FROM cases c JOIN case_members m ON m.case_id = c.case_id "
                    "JOIN users u ON u.user_id = m.user_id "
                    "WHERE m.user_id = ? AND u.disabled = 0 ORDER BY c.case_id DESC",
                    (self.user.user_id,)).fetchall()
        return [self._case(r) for r in rows]

    def create_case(self, name: str, notes: str = "", synthetic: bool = False,
                    actor: str = "") -> Case:
        """Open a new case.

        Raises
        ------
        StoreError
            If the name is empty or already used by another case.
        AccessDenied
            If the acting user may not create cases; the acting user becomes the owner.
        """
        name = clean_name(name, "case")
        self.require(CREATE_CASE)
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "INSERT INTO cases (name, notes, synthetic, created_at, created_by) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (name, notes or "", int(bool(synthetic)), utc_now(), self._who(actor)),
                )
                case_id = int(cursor.lastrowid or 0)
                self._log(conn, "case created", case_id,
                          {"name": name, "synthetic": bool(synthetic)}, actor)
                self._new_case_owner(conn, case_id, actor)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"a case named {name!r} already exists; pick another name") from exc
        return self.case(case_id)

    def case(self, case_id: int) -> Case:
        """The case with this id (StoreError if there is none, AccessDenied if the acting
        user may not open it)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no case #{case_id}")
        self.require(OPEN_CASE, case_id)
        return self._case(row)

    def case_by_name(self, name: str) -> Case | None:
        """The case with this name, or ``None`` (AccessDenied as :meth:`case`)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM cases WHERE name = ?",
                               (one_line(name),)).fetchone()
        return None if row is None else self.case(row["case_id"])

    def summary(self, case_id: int) -> CaseSummary:
        """Counts of what the case holds and the next step to take."""
        case = self.case(case_id)
        with self._connect() as conn:
            n_suspects = conn.execute("SELECT count(*) FROM suspects WHERE case_id = ?",
                                      (case_id,)).fetchone()[0]
            per_view = conn.execute(
                "SELECT view, count(*) AS n, count(DISTINCT suspect_id) AS s FROM clips "
                "WHERE case_id = ? AND role = 'enrolment' GROUP BY view", (case_id,)
            ).fetchall()
            n_evidence = conn.execute(
                "SELECT count(*) FROM clips WHERE case_id = ? AND role = 'evidence'", (case_id,)
            ).fetchone()[0]
            n_models = conn.execute("SELECT count(*) FROM models WHERE case_id = ?",
                                    (case_id,)).fetchone()[0]
            n_ident = conn.execute("SELECT count(*) FROM identifications WHERE case_id = ?",
                                   (case_id,)).fetchone()[0]
        clips_by_view = dict.fromkeys(VIEWS, 0)
        suspects_by_view = dict.fromkeys(VIEWS, 0)
        for row in per_view:
            clips_by_view[row["view"]] = int(row["n"])
            suspects_by_view[row["view"]] = int(row["s"])
        if n_suspects == 0:
            next_step = NEXT_ADD_SUSPECTS
        elif max(suspects_by_view.values()) < 2:
            next_step = NEXT_ENROL
        elif n_models == 0:
            next_step = NEXT_TRAIN
        else:
            next_step = NEXT_IDENTIFY
        return CaseSummary(case, int(n_suspects), clips_by_view, int(n_evidence), int(n_models),
                           int(n_ident), next_step, suspects_by_view)

    @staticmethod
    def _suspect(row: sqlite3.Row) -> Suspect:
        return Suspect(row["suspect_id"], row["case_id"], row["name"], row["notes"],
                       row["photo_sha256"], row["created_at"])

    def add_suspect(self, case_id: int, name: str, notes: str = "",
                    photo: bytes | None = None, actor: str = "") -> Suspect:
        """Add a suspect to a case.

        Parameters
        ----------
        case_id : int
        name : str
            Unique within the case.
        notes : str
        photo : bytes, optional
            An image file's bytes (JPEG, PNG, ...); checked by decoding it.
        actor : str

        Raises
        ------
        StoreError
            If the name is empty or taken, the case does not exist or the photo is not an
            image. Nothing is stored then.
        """
        self.case(case_id)
        self.require(CHANGE_CASE, case_id)
        name = clean_name(name, "suspect")
        photo_sha = None
        if photo:
            check_image(photo)
            photo_sha = self.put_blob(bytes(photo))
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "INSERT INTO suspects (case_id, name, notes, photo_sha256, created_at, "
                    "created_by) VALUES (?, ?, ?, ?, ?, ?)",
                    (case_id, name, notes or "", photo_sha, utc_now(), self._who(actor)),
                )
                suspect_id = int(cursor.lastrowid or 0)
                self._log(conn, "suspect added", case_id,
                          {"suspect_id": suspect_id, "name": name, "photo_sha256": photo_sha},
                          actor)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"this case already has a suspect named {name!r}") from exc
        return self.suspect(suspect_id)

    def suspect(self, suspect_id: int) -> Suspect:
        """The suspect with this id (StoreError if there is none)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM suspects WHERE suspect_id = ?",
                               (suspect_id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no suspect #{suspect_id}")
        self.require(OPEN_CASE, row["case_id"])
        return self._suspect(row)

    def suspects(self, case_id: int) -> list[Suspect]:
        """The suspects of a case, in the order they were added."""
        self.require(OPEN_CASE, case_id)
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM suspects WHERE case_id = ? ORDER BY suspect_id",
                                (case_id,)).fetchall()
        return [self._suspect(r) for r in rows]

    def suspect_by_name(self, case_id: int, name: str) -> Suspect | None:
        """The suspect of the case with this name, or ``None``."""
        self.require(OPEN_CASE, case_id)
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM suspects WHERE case_id = ? AND name = ?",
                               (case_id, one_line(name))).fetchone()
        return None if row is None else self._suspect(row)

    def photo(self, suspect: Suspect) -> bytes | None:
        """The suspect's photo (hash-checked), or ``None``."""
        self.require(OPEN_CASE, suspect.case_id)
        if not suspect.photo_sha256:
            return None
        return self.blob_path(suspect.photo_sha256).read_bytes()

    def suspect_names(self, case_id: int) -> dict[int, str]:
        """suspect_id -> name for a case."""
        return {s.suspect_id: s.name for s in self.suspects(case_id)}
