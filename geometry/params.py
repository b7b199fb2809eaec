"""Parameters of an outline build, with defaults chosen by cross-validation."""

from __future__ import annotations

from dataclasses import dataclass, replace

from geometry.errors import InvalidInputError

METHODS = ("voronoi", "concave")


@dataclass(frozen=True)
class BuildParams:
    """Settings of each step of ``build_commune``; distances in metres, areas in m².

    The defaults are those that scored best in the voter-weighted 5-fold
    cross-validation of ``benchmarks/build_accuracy.py`` on 31 Val-de-Marne
    communes (addresses with street and number) and 3 Finistère communes
    (coordinates only). Street sides gained about 1.8 points there, setting
    outliers aside lost 0.1 to 0.2 points, and concave mode scored 0.1 point
    below Voronoi.
    """

    method: str = "voronoi"
    """Partition method: "voronoi" (cells of the points) or "concave" (hulls of clusters)."""

    usable_types: tuple[str, ...] = ("housenumber", "interpolation", "locality")
    """Geocoding result types precise enough to place a point; empty accepts every type, and a missing type is accepted."""

    min_score: float = 0.5
    """Minimum geocoding score; a missing score is accepted."""

    boundary_tolerance_m: float = 350.0
    """Points outside the commune boundary but closer than this still take part.

    Generalised ADMIN EXPRESS outlines leave about 3 % of geocoded addresses
    outside their commune, up to about 330 m away (Val-de-Marne, 2020 addresses).
    """

    snap_m: float = 0.1
    """Grid to which coordinates are rounded before points are compared."""

    remove_outliers: bool = False
    """Off by default: a point far from the rest of its bureau is usually a real enclave."""
    outlier_factor: float = 5.0
    """A point is an outlier beyond this multiple of its bureau's median distance to its geometric median."""

    outlier_min_distance_m: float = 300.0
    """An outlier is also at least this far from its bureau's geometric median."""

    outlier_min_points: int = 5
    """Bureaux with fewer usable points keep them all."""

    street_sides: bool = True
    street_spacing_m: float = 5.0
    """Spacing of the sites added between consecutive numbers of one street side."""

    street_max_gap_m: float = 300.0
    """Consecutive numbers further apart than this are not joined."""

    street_max_number_gap: int = 20
    street_clearance_m: float = 3.0
    """An added site closer than this to a point of another bureau is dropped."""

    reassign_fragments: bool = True
    fragment_max_points: int = 2
    """A part of a bureau with at most this many points may be given to the bureau enclosing it."""

    fragment_enclosed_share: float = 0.9
    """Share of the part's inner border that the enclosing bureau must hold."""

    cluster_eps_m: float = 200.0
    """Concave mode: DBSCAN radius that joins points of one bureau into one cluster."""

    concave_ratio: float = 0.3
    """Concave mode and derived boundaries: ``ratio`` of ``shapely.concave_hull``."""

    hull_buffer_m: float = 15.0
    """Concave mode: buffer around each cluster hull."""

    derived_boundary_buffer_m: float = 100.0
    """Buffer around the concave hull of the points when no boundary is given."""

    check_tolerance_m2: float = 0.1
    """Total overlap or gap area the partition check accepts."""

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InvalidInputError(
                None,
                f"unknown method {self.method!r}; use one of {', '.join(METHODS)}",
                f"méthode {self.method!r} inconnue ; utilisez {' ou '.join(METHODS)}",
            )
        for name in ("snap_m", "street_spacing_m", "outlier_factor", "check_tolerance_m2"):
            if not getattr(self, name) > 0:
                raise InvalidInputError(
                    None,
                    f"parameter {name} must be positive, got {getattr(self, name)!r}",
                    f"le paramètre {name} doit être positif, reçu {getattr(self, name)!r}",
                )
        if self.boundary_tolerance_m < 0:
            raise InvalidInputError(
                None,
                f"parameter boundary_tolerance_m must be zero or positive, got {self.boundary_tolerance_m!r}",
                f"le paramètre boundary_tolerance_m doit être positif ou nul, reçu {self.boundary_tolerance_m!r}",
            )

    @classmethod
    def plain_voronoi(cls) -> BuildParams:
        """Return the baseline: Voronoi cells of every located point, with no cleaning and no street sides."""
        return cls(
            method="voronoi",
            usable_types=(),
            min_score=0.0,
            boundary_tolerance_m=float("inf"),
            remove_outliers=False,
            street_sides=False,
            reassign_fragments=False,
        )

    def with_changes(self, **changes: object) -> BuildParams:
        """Return a copy with some settings changed."""
        return replace(self, **changes)
