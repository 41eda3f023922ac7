"""Designation lists across jurisdictions: matching, overlap, subjects listed once, listing lags.

Input lists are tidy designation frames as returned by
:func:`sanctions_model.data.load_designations`: ``subject_id``, ``name`` and optionally
``jurisdiction``, ``subject_type``, ``aliases`` (iterable of str), ``designated_on``, and, where a
publisher gives them, ``dob`` (date(s) of birth or registration) and ``identifiers`` (registration,
tax, IMO or passport numbers; str or iterable of str).

Matching (:func:`match_subjects`)
---------------------------------
1. Every name and alias of a subject is normalised (:func:`~.names.normalize_name`).
2. Blocking: each normalised name is keyed by the 4-letter prefix of its rarest token, plus those
   of its next rarest tokens (up to ``block_keys`` in all) that occur in at most ``max_block``
   names (rarity counted over both lists); only names sharing a key are compared, and only
   subjects of the same ``subject_type`` when both are known. Surnames and distinctive entity
   words are rare, so two spellings of one person share a key while 3,000 x 2,000 subjects give
   tens of thousands of comparisons, not millions.
3. A vectorised prefilter (``rapidfuzz.process.cpdist`` with ``token_set_ratio``) keeps pairs
   scoring at least ``threshold - 20``; survivors are scored with :func:`~.names.name_similarity`
   (weakest-link token score; subsets allowed for individuals only).
4. A subject pair's score is the best over all its name pairs. Pairs sharing a normalised
   identifier are matched with score 100 and ``method="identifier"``. When both subjects carry
   dates of birth and none agree, the pair is rejected (``dob_conflict="reject"``) or kept and
   flagged (``"flag"``).
5. Pairs scoring at least ``threshold`` are kept, every one with its score; with
   ``one_to_one=True`` a greedy pass (highest score first) keeps at most one partner per subject.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from sanctions_model.coordination._display import SummaryDisplayMixin, require_columns
from sanctions_model.coordination.names import name_similarity, normalize_name
from sanctions_model.errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "MatchConfig",
    "ListOverlap",
    "match_subjects",
    "compare_lists",
    "UK_TRANSITION_DATE",
]

try:  # the data package owns this constant; keep a copy so this module imports on its own
    from sanctions_model.data import UK_TRANSITION_DATE  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the data package's progress
    UK_TRANSITION_DATE = pd.Timestamp("2020-12-31")

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


@dataclass(frozen=True)
class MatchConfig:
    """Validated matching options (see :func:`match_subjects` for their meaning)."""

    threshold: float = 90.0
    one_to_one: bool = True
    same_type: bool = True
    use_dob: bool = True
    dob_conflict: Literal["reject", "flag"] = "reject"
    block_keys: int = 2
    prefix: int = 4
    max_block: int = 200
    drop_legal_forms: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.threshold <= 100:
            raise ParameterError(f"threshold must be in [0, 100], got {self.threshold}")
        if self.dob_conflict not in ("reject", "flag"):
            raise ParameterError(
                f"dob_conflict must be 'reject' or 'flag', got {self.dob_conflict!r}"
            )
        if self.block_keys < 1 or self.prefix < 2:
            raise ParameterError("block_keys must be >= 1 and prefix >= 2")


# --------------------------------------------------------------------------------------------
# preparing a list


def _as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, float) and np.isnan(value):
        return ()
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value if isinstance(v, str) and v.strip())
    return ()


def _norm_dates(value: object) -> frozenset[str]:
    out = set()
    for v in _as_tuple(value) if not isinstance(value, pd.Timestamp) else (str(value.date()),):
        v = v.strip()
        ts = pd.to_datetime(v, errors="coerce", dayfirst=("/" in v))
        if pd.notna(ts) and len(v) > 4:
            out.add(ts.strftime("%Y-%m-%d"))
        elif re.fullmatch(r"\d{4}", v):
            out.add(v)
    return frozenset(out)


def _dates_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    # A bare year agrees with any full date in that year.
    for x, y in itertools.product(a, b):
        if x == y or (len(x) == 4 and y.startswith(x)) or (len(y) == 4 and x.startswith(y)):
            return True
    return False


def _prepare(frame: pd.DataFrame, cfg: MatchConfig, what: str) -> pd.DataFrame:
    """One row per (subject, normalised name)."""
    require_columns(frame, ["subject_id", "name"], what)
    if frame["subject_id"].duplicated().any():
        dup = frame.loc[frame["subject_id"].duplicated(), "subject_id"].iloc[0]
        raise ParameterError(f"{what}: subject_id {dup!r} appears more than once")
    rows = []  # columns read once as lists (a lookup per row cost more than the names)
    aliases = frame["aliases"].tolist() if "aliases" in frame.columns else None
    stypes = frame["subject_type"].tolist() if "subject_type" in frame else [None] * len(frame)
    ids, nms = frame["subject_id"].tolist(), frame["name"].tolist()
    for i, (sid, name) in enumerate(zip(ids, nms, strict=True)):
        names = [name] + list(_as_tuple(aliases[i])) if aliases is not None else [name]
        seen: set[str] = set()
        for raw in names:
            if not isinstance(raw, str):
                continue
            key = normalize_name(raw, drop_legal_forms=cfg.drop_legal_forms)
            if key and key not in seen:
                seen.add(key)
                rows.append((sid, key, raw, stypes[i]))
    return pd.DataFrame(rows, columns=["subject_id", "key", "raw", "subject_type"])


def _is_individual_or_unknown(stype: object) -> bool:
    return stype is None or (isinstance(stype, float) and np.isnan(stype)) or stype == "individual"


def _subject_attrs(frame: pd.DataFrame) -> tuple[dict, dict]:
    dob, ids, sid = {}, {}, frame["subject_id"].tolist()  # lists: no per-row Series access
    if "dob" in frame.columns:
        dob = {s: _norm_dates(v) for s, v in zip(sid, frame["dob"].tolist(), strict=True)}
    if "identifiers" in frame.columns:
        ids = {
            s: frozenset(
                k for k in (_NON_ALNUM.sub("", x.upper()) for x in _as_tuple(v)) if len(k) >= 4
            )
            for s, v in zip(sid, frame["identifiers"].tolist(), strict=True)
        }
    return dob, ids


def _block_keys(
    names: pd.DataFrame, freq: Mapping[str, int], cfg: MatchConfig, cap: int
) -> pd.DataFrame:
    rows = []
    for idx, key in zip(names.index.tolist(), names["key"].tolist(), strict=True):
        prefs = sorted({t[: cfg.prefix] for t in key.split()}, key=lambda p: (freq[p], p))
        # the rarest key always; further keys only while they stay small blocks
        for k, p in enumerate(prefs[: cfg.block_keys]):
            if k == 0 or freq[p] <= cap:
                rows.append((idx, p))
    return pd.DataFrame(rows, columns=["row", "block"])


def _candidates(left: pd.DataFrame, right: pd.DataFrame, cfg: MatchConfig) -> pd.DataFrame:
    freq: dict[str, int] = {}
    for key in itertools.chain(left["key"].tolist(), right["key"].tolist()):
        for p in {t[: cfg.prefix] for t in key.split()}:
            freq[p] = freq.get(p, 0) + 1
    cap = max(cfg.max_block, 1)
    bl = _block_keys(left, freq, cfg, cap)
    br = _block_keys(right, freq, cfg, cap)
    pairs = bl.merge(br, on="block", suffixes=("_l", "_r"))[["row_l", "row_r"]].drop_duplicates()
    if pairs.empty:
        return pairs
    if cfg.same_type:
        tl = left["subject_type"].to_numpy()[pairs["row_l"].to_numpy()]
        tr = right["subject_type"].to_numpy()[pairs["row_r"].to_numpy()]
        known = pd.notna(tl) & pd.notna(tr)
        pairs = pairs[~known | (tl == tr)]
    return pairs


def match_subjects(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    threshold: float = 90.0,
    one_to_one: bool = True,
    same_type: bool = True,
    use_dob: bool = True,
    dob_conflict: Literal["reject", "flag"] = "reject",
    block_keys: int = 2,
    max_block: int = 200,
    drop_legal_forms: bool = True,
) -> pd.DataFrame:
    """Match the subjects of two designation lists (see the module docstring for the method).

    Parameters
    ----------
    left, right : pandas.DataFrame
        Designation lists with ``subject_id`` and ``name``; optional ``aliases``,
        ``subject_type``, ``dob``, ``identifiers``.
    threshold : float, default 90
        Minimum name score (0-100) for a match.
    one_to_one : bool, default True
        Keep at most one partner per subject (greedy, highest score first).
    same_type : bool, default True
        Compare only subjects of the same ``subject_type`` (when both are known).
    use_dob : bool, default True
        Use dates of birth / registration where both subjects carry them.
    dob_conflict : {"reject", "flag"}, default "reject"
        What to do with a name match whose dates disagree.
    block_keys : int, default 2
        How many of a name's rarest token prefixes are used as blocking keys (more = slower, more
        recall).
    max_block : int, default 200
        Keys after the rarest are used only if at most this many names carry them (so common
        first names such as "Aleksandr" do not create millions of comparisons).
    drop_legal_forms : bool, default True
        Drop legal-form tokens (OOO, JSC, LLC...) before comparing.

    Returns
    -------
    pandas.DataFrame
        One row per matched pair: ``left_id``, ``right_id``, ``score`` (0-100), ``method``
        (``"name"`` or ``"identifier"``), ``left_name``, ``right_name`` (the spellings that gave
        the best score), ``dob_match`` (True, False or NA when not both known), sorted by
        descending score.
    """
    cfg = MatchConfig(
        threshold=threshold,
        one_to_one=one_to_one,
        same_type=same_type,
        use_dob=use_dob,
        dob_conflict=dob_conflict,
        block_keys=block_keys,
        max_block=max_block,
        drop_legal_forms=drop_legal_forms,
    )
    return _match(left, right, cfg)


_MATCH_COLUMNS = ["left_id", "right_id", "score", "method", "left_name", "right_name", "dob_match"]


def _match(left: pd.DataFrame, right: pd.DataFrame, cfg: MatchConfig) -> pd.DataFrame:
    nl = _prepare(left, cfg, "left list")
    nr = _prepare(right, cfg, "right list")
    dob_l, ids_l = _subject_attrs(left)
    dob_r, ids_r = _subject_attrs(right)

    found: list[tuple] = []
    # identifiers: exact on normalised strings
    if ids_l and ids_r:
        inv: dict[str, list] = {}
        for s, keys in ids_r.items():
            for k in keys:
                inv.setdefault(k, []).append(s)
        first_raw_l = nl.groupby("subject_id")["raw"].first()
        first_raw_r = nr.groupby("subject_id")["raw"].first()
        for s, keys in ids_l.items():
            for k in keys:
                for r in inv.get(k, ()):
                    found.append(
                        (s, r, 100.0, "identifier", first_raw_l.get(s), first_raw_r.get(r))
                    )

    pairs = _candidates(nl, nr, cfg) if len(nl) and len(nr) else pd.DataFrame()
    if len(pairs):
        kl = nl["key"].to_numpy()[pairs["row_l"].to_numpy()]
        kr = nr["key"].to_numpy()[pairs["row_r"].to_numpy()]
        pre = process.cpdist(kl, kr, scorer=fuzz.token_set_ratio, workers=1)
        keep = pre >= max(cfg.threshold - 20.0, 0.0)
        rows_l = pairs["row_l"].to_numpy()[keep]
        rows_r = pairs["row_r"].to_numpy()[keep]
        keys_l, keys_r = nl["key"].to_numpy(), nr["key"].to_numpy()
        ids_sl, ids_sr = nl["subject_id"].to_numpy(), nr["subject_id"].to_numpy()
        raw_l, raw_r = nl["raw"].to_numpy(), nr["raw"].to_numpy()
        subset = np.array(
            [_is_individual_or_unknown(t) for t in nl["subject_type"].tolist()], dtype=bool
        )
        for a, b in zip(rows_l, rows_r, strict=True):
            sc = name_similarity(keys_l[a], keys_r[b], subset_ok=bool(subset[a]))
            if sc >= cfg.threshold:
                found.append((ids_sl[a], ids_sr[b], sc, "name", raw_l[a], raw_r[b]))
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _MATCH_COLUMNS}).astype(
            {"score": float}
        )
    m = pd.DataFrame(found, columns=_MATCH_COLUMNS[:-1])
    m["_prio"] = (m["method"] == "identifier").astype(int)
    m = m.sort_values(["_prio", "score"], ascending=False, kind="stable")
    m = m.drop_duplicates(["left_id", "right_id"]).drop(columns="_prio")

    dm = []
    for s, r in zip(m["left_id"].tolist(), m["right_id"].tolist(), strict=True):
        a, b = dob_l.get(s, frozenset()), dob_r.get(r, frozenset())
        dm.append(_dates_agree(a, b) if (cfg.use_dob and a and b) else pd.NA)
    m["dob_match"] = pd.array(dm, dtype="boolean")
    if cfg.use_dob and cfg.dob_conflict == "reject":
        conflict = m["dob_match"].eq(False).fillna(False).to_numpy(dtype=bool)
        m = m[~(conflict & (m["method"] == "name").to_numpy())]

    if cfg.one_to_one:
        used_l: set = set()
        used_r: set = set()
        keep_idx = []
        for idx, s, r in zip(
            m.index.tolist(), m["left_id"].tolist(), m["right_id"].tolist(), strict=True
        ):
            if s in used_l or r in used_r:
                continue
            used_l.add(s)
            used_r.add(r)
            keep_idx.append(idx)
        m = m.loc[keep_idx]
    return m.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# several lists


def _split_lists(lists: Mapping[str, pd.DataFrame] | pd.DataFrame) -> dict[str, pd.DataFrame]:
    if isinstance(lists, pd.DataFrame):
        require_columns(lists, ["jurisdiction"], "designations")
        return {
            str(j): g.reset_index(drop=True) for j, g in lists.groupby("jurisdiction", sort=True)
        }
    return {str(j): f.reset_index(drop=True) for j, f in lists.items()}


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, x: object) -> object:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # type: ignore[type-var]


@dataclass(frozen=True, repr=False)
class ListOverlap(SummaryDisplayMixin):
    """Result of :func:`compare_lists` (read-only).

    Attributes
    ----------
    subjects : pandas.DataFrame
        Every subject of every list: ``jurisdiction``, ``subject_id``, ``name``,
        ``subject_type``, ``designated_on``, ``date_unreliable`` (bool: the date is one of the
        ``unreliable_dates`` of its jurisdiction) and ``cluster`` (subjects matched to each other,
        directly or through a third list, share a cluster).
    matches : pandas.DataFrame
        Pairwise matches with ``jurisdiction_left``, ``jurisdiction_right`` and the columns of
        :func:`match_subjects`, each with its score.
    config : MatchConfig
    """

    subjects: pd.DataFrame
    matches: pd.DataFrame
    config: MatchConfig

    @property
    def jurisdictions(self) -> list[str]:
        return sorted(self.subjects["jurisdiction"].unique())

    def overlap_matrix(
        self, kind: Literal["jaccard", "count", "share"] = "jaccard"
    ) -> pd.DataFrame:
        """Pairwise overlap of the lists, by cluster.

        ``jaccard``: ``|A ∩ B| / |A ∪ B|``; ``count``: ``|A ∩ B|``; ``share``: ``|A ∩ B| / |A|``
        (row jurisdiction ``A``: the share of its list the column jurisdiction also lists).
        Sets are sets of clusters, so a subject counts once however many spellings it has.
        """
        if kind not in ("jaccard", "count", "share"):
            raise ParameterError(f"kind must be 'jaccard', 'count' or 'share', got {kind!r}")
        sets = {j: set(g["cluster"]) for j, g in self.subjects.groupby("jurisdiction")}
        jurs = self.jurisdictions
        out = pd.DataFrame(index=pd.Index(jurs, name="jurisdiction"), columns=jurs, dtype=float)
        for a in jurs:
            for b in jurs:
                inter = len(sets[a] & sets[b])
                if kind == "count":
                    out.loc[a, b] = inter
                elif kind == "share":
                    out.loc[a, b] = inter / len(sets[a]) if sets[a] else np.nan
                else:
                    union = len(sets[a] | sets[b])
                    out.loc[a, b] = inter / union if union else np.nan
        return out

    def listed_once(self) -> pd.DataFrame:
        """Subjects whose cluster appears in one jurisdiction only."""
        n_j = self.subjects.groupby("cluster")["jurisdiction"].transform("nunique")
        return self.subjects[n_j == 1].reset_index(drop=True)

    def coverage(self) -> pd.DataFrame:
        """Per jurisdiction: subjects, clusters, clusters listed elsewhere, listed only here, and
        ``coverage``: the share of all clusters (listed by anyone) that the jurisdiction lists."""
        total = self.subjects["cluster"].nunique()
        n_j = self.subjects.groupby("cluster")["jurisdiction"].nunique().to_dict()
        rows = []
        for j, g in self.subjects.groupby("jurisdiction"):
            cl = set(g["cluster"])
            only = sum(1 for c in cl if n_j[c] == 1)
            rows.append(
                {
                    "jurisdiction": j,
                    "subjects": len(g),
                    "clusters": len(cl),
                    "shared": len(cl) - only,
                    "listed_only_here": only,
                    "coverage": len(cl) / total if total else np.nan,
                }
            )
        return pd.DataFrame(rows).set_index("jurisdiction")

    def listing_lags(self, *, include_unreliable: bool = False) -> pd.DataFrame:
        """Per matched pair: both listing dates and ``lag_days = date_right - date_left``.

        Pairs where either date is unreliable (e.g. the UK's 2020-12-31 transition date) are
        dropped unless ``include_unreliable``; they are flagged in column ``date_unreliable``.
        """
        s = self.subjects.set_index(["jurisdiction", "subject_id"])
        m = self.matches.copy()
        li = pd.MultiIndex.from_arrays([m["jurisdiction_left"], m["left_id"]])
        ri = pd.MultiIndex.from_arrays([m["jurisdiction_right"], m["right_id"]])
        m["date_left"] = s["designated_on"].reindex(li).to_numpy()
        m["date_right"] = s["designated_on"].reindex(ri).to_numpy()
        m["date_unreliable"] = (
            s["date_unreliable"].reindex(li).to_numpy()
            | s["date_unreliable"].reindex(ri).to_numpy()
        )
        m["date_left"] = pd.to_datetime(m["date_left"])
        m["date_right"] = pd.to_datetime(m["date_right"])
        m["lag_days"] = (m["date_right"] - m["date_left"]).dt.days.astype("float64")
        if not include_unreliable:
            m = m[~m["date_unreliable"]]
        return m.reset_index(drop=True)

    def lag_summary(self) -> pd.DataFrame:
        """Distribution of listing lags per ordered pair of lists (reliable dates only).

        Columns: ``n`` (pairs with both dates), ``excluded_unreliable``, ``mean``, ``median``,
        ``p10``, ``p90`` (days; positive = the right list listed later), ``same_day``,
        ``left_first`` and ``right_first`` (shares).
        """
        allm = self.listing_lags(include_unreliable=True)
        rows = []
        for (a, b), g in allm.groupby(["jurisdiction_left", "jurisdiction_right"]):
            ok = g[~g["date_unreliable"]]["lag_days"].dropna()
            rows.append(
                {
                    "jurisdiction_left": a,
                    "jurisdiction_right": b,
                    "n": int(len(ok)),
                    "excluded_unreliable": int(g["date_unreliable"].sum()),
                    "mean": ok.mean(),
                    "median": ok.median(),
                    "p10": ok.quantile(0.1) if len(ok) else np.nan,
                    "p90": ok.quantile(0.9) if len(ok) else np.nan,
                    "same_day": (ok == 0).mean() if len(ok) else np.nan,
                    "left_first": (ok > 0).mean() if len(ok) else np.nan,
                    "right_first": (ok < 0).mean() if len(ok) else np.nan,
                }
            )
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """Coverage per jurisdiction joined with its Jaccard overlap with every other list."""
        jac = self.overlap_matrix("jaccard").add_prefix("jaccard_")
        return self.coverage().join(jac)

    def summary(self) -> str:
        cov = self.coverage()
        lines = [
            f"Designation lists compared: {', '.join(self.jurisdictions)}; "
            f"{len(self.matches)} matched pairs at threshold {self.config.threshold:g}",
            "",
        ]
        for j, r in cov.iterrows():
            lines.append(
                f"{j}: {int(r['subjects'])} subjects, {int(r['shared'])} shared, "
                f"{int(r['listed_only_here'])} listed only here, coverage {r['coverage']:.1%}"
            )
        return "\n".join(lines)

    def plot(self) -> Figure:
        """Two panels: the Jaccard matrix, and listing-lag distributions per pair of lists."""
        import matplotlib.pyplot as plt

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
        jac = self.overlap_matrix("jaccard")
        im = ax1.imshow(jac.to_numpy(dtype=float), vmin=0, vmax=1, cmap="Blues")
        ax1.set_xticks(range(len(jac.columns)), jac.columns)
        ax1.set_yticks(range(len(jac.index)), jac.index)
        for (i, j), v in np.ndenumerate(jac.to_numpy(dtype=float)):
            ax1.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8)
        fig.colorbar(im, ax=ax1, shrink=0.8)
        ax1.set_title("List overlap (Jaccard)")
        lags = self.listing_lags()
        data, labels = [], []
        for (a, b), g in lags.groupby(["jurisdiction_left", "jurisdiction_right"]):
            vals = g["lag_days"].dropna().to_numpy()
            if len(vals):
                data.append(vals)
                labels.append(f"{b} vs {a}")
        if data:
            ax2.boxplot(data, orientation="horizontal")
            ax2.set_yticks(range(1, len(labels) + 1), labels)
        ax2.axvline(0, color="0.5", lw=0.8)
        ax2.set_xlabel("listing lag, days (positive: second list later)")
        ax2.set_title("Listing lags of shared subjects")
        fig.tight_layout()
        return fig


def compare_lists(
    lists: Mapping[str, pd.DataFrame] | pd.DataFrame,
    *,
    threshold: float = 90.0,
    one_to_one: bool = True,
    unreliable_dates: Mapping[str, Sequence[str | pd.Timestamp]] | None = None,
    **match_options: object,
) -> ListOverlap:
    """Match two or more designation lists pairwise and measure their overlap.

    Parameters
    ----------
    lists : mapping of jurisdiction to frame, or one frame with a ``jurisdiction`` column
        Designation lists (see :func:`match_subjects` for the columns used).
    threshold, one_to_one : see :func:`match_subjects`.
    unreliable_dates : mapping of jurisdiction to dates, optional
        Listing dates that are not real first-listing dates and are excluded from lags.
        Default ``{"GB": [UK_TRANSITION_DATE]}``: 2020-12-31, the day the UK regime replaced the EU
        one, carried by subjects first listed by the EU (as early as 2014).
    **match_options
        Further keyword options of :func:`match_subjects` (``same_type``, ``use_dob``, ...).

    Returns
    -------
    ListOverlap
    """
    frames = _split_lists(lists)
    if len(frames) < 2:
        raise ParameterError(f"need at least two lists, got {list(frames)}")
    cfg = MatchConfig(threshold=threshold, one_to_one=one_to_one, **match_options)  # type: ignore[arg-type]
    if unreliable_dates is None:
        unreliable_dates = {"GB": [UK_TRANSITION_DATE]}
    bad = {j: {pd.Timestamp(d) for d in ds} for j, ds in unreliable_dates.items()}

    subj = []
    for j, f in frames.items():
        d = pd.DataFrame(
            {
                "jurisdiction": j,
                "subject_id": f["subject_id"].to_numpy(),
                "name": f["name"].to_numpy(),
                "subject_type": f["subject_type"].to_numpy() if "subject_type" in f else None,
                "designated_on": pd.to_datetime(f["designated_on"]).to_numpy()
                if "designated_on" in f
                else pd.NaT,
            }
        )
        d["designated_on"] = pd.to_datetime(d["designated_on"])
        d["date_unreliable"] = d["designated_on"].isin(list(bad.get(j, ())))
        subj.append(d)
    subjects = pd.concat(subj, ignore_index=True)

    uf = _UnionFind()
    pairs = list(
        zip(subjects["jurisdiction"].tolist(), subjects["subject_id"].tolist(), strict=True)
    )
    for j, sid in pairs:
        uf.find((j, str(sid)))
    mlist = []
    for a, b in itertools.combinations(sorted(frames), 2):
        m = _match(frames[a], frames[b], cfg)
        m.insert(0, "jurisdiction_right", b)
        m.insert(0, "jurisdiction_left", a)
        mlist.append(m)
        for s, r in zip(m["left_id"].tolist(), m["right_id"].tolist(), strict=True):
            uf.union((a, str(s)), (b, str(r)))
    matches = pd.concat(mlist, ignore_index=True)
    roots = [uf.find((j, str(s))) for j, s in pairs]
    codes = {r: i for i, r in enumerate(dict.fromkeys(roots))}
    subjects["cluster"] = [codes[r] for r in roots]
    return ListOverlap(subjects=subjects, matches=matches, config=cfg)
