"""Build the town a scenario names: a synthetic preset, or the LSOAs of a real local authority.

A real place is read from the English Indices of Deprivation tables as published: File 7
(ranks, scores, deciles and population in one table), or File 1 (IMD rank and decile) with
File 6 (population denominators); the 2019 release (LSOA 2011 codes) or 2025 (LSOA 2021).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.model.errors import InputError
from healthgap.model.town import Town, build_town, typical_town

from .schema import Place, Scenario

SAMPLES = Path(__file__).parent / "samples"

# Share of the population aged 16 and over, England (ONS mid-year estimates): about 0.79.
# Assumption: used only when the population table has no "Dependent Children aged 0-15" column.
ADULT_SHARE = 0.79
KM_PER_DEGREE = 6371.0 * np.pi / 180  # of latitude, on a spherical Earth
# Without centroids, each LSOA gets this much of a synthetic disc (km²): typical_town's
# 30 neighbourhoods on a disc 7 km across (assumption).
KM2_PER_NEIGHBOURHOOD = np.pi * 3.5**2 / 30

# Standard name: (pattern searched case-insensitively in the published column names, label
# for messages). Patterns, not exact names: the names differ between files and releases.
IOD_COLUMNS = {
    "code": (r"^LSOA code", "LSOA code"),
    "name": (r"^LSOA name", "LSOA name"),
    "la_code": (r"^Local Authority District code", "Local Authority District code"),
    "la_name": (r"^Local Authority District name", "Local Authority District name"),
    "imd_decile": (r"\(IMD\) Decile", "Index of Multiple Deprivation (IMD) Decile"),
    "imd_rank": (r"\(IMD\) Rank", "Index of Multiple Deprivation (IMD) Rank"),
    "imd_score": (r"\(IMD\) Score", "Index of Multiple Deprivation (IMD) Score"),
    "population": (r"^Total population", "Total population"),
    "children": (r"^Dependent Children aged 0.15", "Dependent Children aged 0-15"),
}
CENTROID_COLUMNS = {
    "code": (r"lsoa.*(code|cd)\b", "LSOA code"),
    "lon": (r"^(lon|long|longitude)$", "longitude"),
    "lat": (r"^(lat|latitude)$", "latitude"),
}
TEXT_COLUMNS = {"code", "name", "la_code", "la_name", "origin", "destination"}
EXCEL = {".xlsx", ".xlsm", ".xls"}
IMD_FIX = (
    "Give the IoD File 7 (all ranks, scores, deciles and population denominators), or File 1 "
    "(IMD rank and decile) with the File 6 of the same release, as published."
)
POPULATION_FIX = "Give the IoD File 6 (population denominators) of the same release as imd_file."
CENTROIDS_FIX = (
    "Give a CSV of LSOA centroids with columns for the LSOA code, longitude and latitude "
    "(WGS84), e.g. lsoa11_code,longitude,latitude."
)
RELEASES = "2019 tables use LSOA 2011 codes and 2025 tables LSOA 2021 codes"


def build_place(scenario: Scenario) -> Town:
    """The scenario's town: its preset, or the LSOAs of its local authority."""
    place = scenario.place
    if place.local_authority is None:
        simulated = max(place.neighbourhoods, round(place.residents * place.sample))
        town = typical_town(simulated, place.neighbourhoods, place.deciles)
    else:
        town = town_for(place_neighbourhoods(place), place.sample)
    if place.bus_minutes_file is None:
        return town
    given = read_bus_minutes(readable(place.bus_minutes_file), list(town.node_array("code")))
    return dataclasses.replace(town, given_bus_minutes=given)


BUS_MINUTES_COLUMNS = {
    "origin": (r"^(from|origin)", "from (a neighbourhood code)"),
    "destination": (r"^(to|destination)", "to (a neighbourhood code)"),
    "minutes": (r"minutes|time", "minutes"),
}
BUS_MINUTES_FIX = (
    "Give a CSV with a row per trip: from, to (neighbourhood codes of this place) and minutes "
    "door to door by bus and walking, e.g. from a journey planner."
)


def read_bus_minutes(path: Path, codes: list[str]) -> np.ndarray:
    """A table of bus minutes between a place's neighbourhoods as a matrix (NaN where not
    given; a trip given one way only counts both ways)."""
    where = str(path)
    table = standard_columns(
        read_table(path), BUS_MINUTES_COLUMNS, set(BUS_MINUTES_COLUMNS), where, BUS_MINUTES_FIX
    )
    index = {code: i for i, code in enumerate(codes)}
    ends = pd.concat([table.origin, table.destination])
    unknown = sorted(set(ends) - index.keys())
    if unknown:
        raise InputError(
            f"{len(unknown)} codes are not neighbourhoods of this place, e.g. "
            f"{', '.join(unknown[:3])}.",
            where=where,
            fix="Give trips between the place's own neighbourhoods (LSOA codes of its release).",
        )
    minutes = table.minutes.to_numpy(dtype=float)
    if not (np.isfinite(minutes) & (minutes >= 0)).all():
        raise InputError(
            "Some minutes are missing, not numbers or negative.", where=where, fix=BUS_MINUTES_FIX
        )
    a, b = table.origin.map(index).to_numpy(), table.destination.map(index).to_numpy()
    given = np.full((len(codes), len(codes)), np.nan)
    given[b, a] = minutes
    given[a, b] = minutes  # a trip given both ways keeps its own figure each way
    np.fill_diagonal(given, np.nan)
    return given


def readable(path: str | Path) -> Path:
    """The full path of a file that exists (an InputError if it does not)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise InputError("This is a folder, not a table.", where=str(path), fix="Name the file.")
    try:
        path.stat()
    except OSError as error:
        raise InputError.unreadable(path, error) from None
    return path.resolve()


def read_table(path: Path) -> pd.DataFrame:
    """A published table: .csv or .csv.gz, or .xlsx when openpyxl is installed."""
    if path.suffix.lower() in EXCEL:
        try:
            sheets = pd.read_excel(path, sheet_name=None)
        except ImportError:
            raise InputError(
                "This is an Excel workbook; reading one needs the openpyxl package.",
                where=str(path),
                fix="Open it and save the sheet of LSOAs as 'CSV UTF-8' (or install openpyxl).",
            ) from None
        except (ValueError, OSError, zipfile.BadZipFile) as error:
            raise InputError(
                f"Cannot read this workbook ({error}).",
                where=str(path),
                fix="Save the sheet of LSOAs as 'CSV UTF-8' and give that.",
            ) from None
        return max(sheets.values(), key=len)  # the sheet of LSOAs, not the notes
    try:
        return pd.read_csv(path, encoding="utf-8-sig", thousands=",")
    except (UnicodeDecodeError, ValueError, OSError, EOFError, zlib.error) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(
            f"This is not a readable CSV text file ({reason}).",
            where=str(path),
            fix="Give the table as CSV (.csv or .csv.gz): from a spreadsheet, save the sheet "
            "of LSOAs as 'CSV UTF-8'.",
        ) from None


def standard_columns(
    raw: pd.DataFrame, wanted: dict[str, tuple[str, str]], required: set[str], where: str, fix: str
) -> pd.DataFrame:
    """The columns of `raw` matching `wanted`'s patterns, renamed to the standard names."""
    found = {}
    for key, (pattern, _) in wanted.items():
        match = [c for c in raw.columns if re.search(pattern, str(c).strip(), re.IGNORECASE)]
        if match:
            found[key] = match[0]
    missing = [wanted[key][1] for key in wanted if key in required and key not in found]
    if missing:
        preview = ", ".join(f"'{c}'" for c in raw.columns[:5])
        raise InputError(
            f"This table has no column for {' or '.join(repr(m) for m in missing)} (its "
            f"{len(raw.columns)} columns start {preview}).",
            where=where,
            fix=fix,
        )
    table = pd.DataFrame(index=raw.index)
    for key, column in found.items():
        values = raw[column]
        if key in TEXT_COLUMNS:
            table[key] = values.astype(str).str.strip()
        else:
            table[key] = pd.to_numeric(values, errors="coerce")
    return table


def read_neighbourhoods(
    imd_file: str | Path,
    population_file: str | Path | None = None,
    centroids_file: str | Path | None = None,
) -> pd.DataFrame:
    """Every LSOA in the tables, one row each, with standard columns.

    code, name, la_code, la_name, imd_decile, imd_rank and imd_score (when the file has
    them), population (all ages), children (0-15, when given), adults (16+), and lon, lat
    when a centroids file is given. LSOAs missing from the population or centroids file
    have NaN there (`select_local_authority` checks the chosen ones). The table is cached
    per version of the files and shared between callers: do not modify it.
    """
    paths = [
        None if f is None else readable(f) for f in (imd_file, population_file, centroids_file)
    ]
    stamps = tuple(None if p is None else (p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return _neighbourhoods(*paths, stamps)


@lru_cache(maxsize=4)
def _neighbourhoods(
    imd_file: Path, population_file: Path | None, centroids_file: Path | None, stamps: tuple
) -> pd.DataFrame:
    """`read_neighbourhoods`' table; `stamps` (the files' times and sizes) key the cache."""
    table = standard_columns(
        read_table(imd_file),
        IOD_COLUMNS,
        {"code", "la_code", "la_name", "imd_decile"},
        str(imd_file),
        IMD_FIX,
    )
    if "name" not in table:
        table["name"] = table["code"]
    if population_file is not None:
        extra = standard_columns(
            read_table(population_file),
            {k: IOD_COLUMNS[k] for k in ("code", "population", "children")},
            {"code", "population"},
            str(population_file),
            POPULATION_FIX,
        )
        table = table.drop(columns=["population", "children"], errors="ignore")
        table = _merge(table, extra, population_file)
    elif "population" not in table:
        raise InputError(
            "This IMD table has no population (it looks like File 1, which has ranks and "
            "deciles only).",
            where=str(imd_file),
            fix="Also give population_file (--population): the IoD File 6 of the same release; "
            "or give File 7, which has both.",
        )
    if "children" in table:
        table["adults"] = table["population"] - table["children"]
    else:
        table["adults"] = table["population"] * ADULT_SHARE
    if centroids_file is not None:
        extra = standard_columns(
            read_table(centroids_file),
            CENTROID_COLUMNS,
            set(CENTROID_COLUMNS),
            str(centroids_file),
            CENTROIDS_FIX,
        )
        table = _merge(table, extra, centroids_file)
    return table


def _merge(table: pd.DataFrame, extra: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """`table` with `extra`'s columns joined on the LSOA code."""
    try:
        return table.merge(extra, on="code", how="left", validate="many_to_one")
    except pd.errors.MergeError:
        raise InputError(
            "Some LSOA codes appear more than once in this table.",
            where=str(path),
            fix="Give the table as published, one row per LSOA.",
        ) from None


def select_local_authority(table: pd.DataFrame, wanted: str, where: str) -> pd.DataFrame:
    """The LSOAs of one local authority, by name or code (case-insensitive), checked for use."""
    key = " ".join(wanted.split()).casefold()
    chosen = table[(table.la_code.str.casefold() == key) | (table.la_name.str.casefold() == key)]
    if chosen.empty:
        names = table.la_name.drop_duplicates().tolist()
        folded = {n.casefold(): n for n in names}
        close = [folded[m] for m in difflib.get_close_matches(key, folded, n=3, cutoff=0.6)]
        close += [n for n in names if key and key in n.casefold() and n not in close]
        hint = f" Did you mean {' or '.join(repr(n) for n in close[:4])}?" if close else ""
        raise InputError(
            f"There is no local authority '{wanted}' in this table of {len(names)}.{hint}",
            where=where,
            fix="Give a name or code as the table spells it; 'healthgap place --imd FILE' "
            "without a name lists them all.",
        )
    la = f"{chosen.la_name.iloc[0]} ({chosen.la_code.iloc[0]})"
    checks = {
        "an IMD decile from 1 to 10": chosen.imd_decile.isin(range(1, 11)),
        "a population in the population table": chosen.population > 0,
        "a positive number of adults (16+)": chosen.adults > 0,
    }
    if "lon" in chosen:
        checks["a centroid in the centroids table"] = chosen.lon.notna() & chosen.lat.notna()
    for need, ok in checks.items():
        if not ok.all():
            raise InputError(
                f"{(~ok).sum()} of the {len(chosen)} LSOAs of {la} lack {need} (e.g. "
                f"{chosen.code[~ok].iloc[0]}).",
                where=where,
                fix=f"Give tables of the same release ({RELEASES}), as published.",
            )
    return chosen.reset_index(drop=True)


def local_authorities(imd_file: str | Path) -> pd.DataFrame:
    """The local authorities in an IMD table: la_code, la_name and their number of lsoas."""
    table = standard_columns(
        read_table(readable(imd_file)),
        {k: IOD_COLUMNS[k] for k in ("code", "la_code", "la_name")},
        {"code", "la_code", "la_name"},
        str(imd_file),
        IMD_FIX,
    )
    return table.groupby(["la_name", "la_code"]).size().rename("lsoas").reset_index()


def place_neighbourhoods(place: Place) -> pd.DataFrame:
    """The LSOAs of a real place's local authority, from its files."""
    table = read_neighbourhoods(place.imd_file, place.population_file, place.centroids_file)
    return select_local_authority(table, place.local_authority, str(place.imd_file))


def residents(lsoas: pd.DataFrame, sample: float) -> np.ndarray:
    """Adults simulated in each neighbourhood: its adults times the sample share, at least 1."""
    return np.maximum(1, np.round(lsoas.adults.to_numpy() * sample)).astype(np.int64)


def town_for(lsoas: pd.DataFrame, sample: float = 1.0) -> Town:
    """A local authority's LSOAs as a town (at their centroids, or on a synthetic disc)."""
    if "lon" in lsoas:
        x_km, y_km = local_km(lsoas.lon.to_numpy(), lsoas.lat.to_numpy())
    else:
        x_km, y_km = disc_layout(lsoas)
    return build_town(
        lsoas.code.tolist(),
        lsoas.name.tolist(),
        residents(lsoas, sample),
        lsoas.imd_decile.to_numpy(dtype=int),
        x_km,
        y_km,
        name=lsoas.la_name.iloc[0],
    )


def local_km(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude as km east and north of their mean (equirectangular)."""
    east = (lon - lon.mean()) * KM_PER_DEGREE * np.cos(np.radians(lat.mean()))
    return east, (lat - lat.mean()) * KM_PER_DEGREE


def disc_layout(lsoas: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic positions (km): a sunflower spiral from the most deprived outwards."""
    n = len(lsoas)
    keys = [lsoas[k].to_numpy() for k in ("imd_rank", "imd_decile") if k in lsoas]
    order = np.lexsort(keys)  # the last key sorts first: decile, then rank
    radius = np.sqrt(KM2_PER_NEIGHBOURHOOD * (np.arange(n) + 0.5) / np.pi)
    angle = np.arange(n) * np.pi * (3 - np.sqrt(5))  # the golden angle
    x_km, y_km = np.empty(n), np.empty(n)
    x_km[order], y_km[order] = radius * np.cos(angle), radius * np.sin(angle)
    return x_km, y_km


@dataclass(frozen=True)
class PlaceSummary:
    """What a real place holds and what of it is simulated."""

    name: str
    code: str
    neighbourhoods: int
    population: int
    adults: int
    simulated: int
    sample: float
    deciles: dict[int, int]  # neighbourhoods in each IMD decile, 1 (most deprived) to 10
    adults_from_age_bands: bool
    centroids: bool

    @property
    def adults_basis(self) -> str:
        if self.adults_from_age_bands:
            return "aged 16+"
        return f"(assumed {ADULT_SHARE:.0%} of all ages: the table has no age bands)"

    @property
    def layout(self) -> str:
        if self.centroids:
            return "Neighbourhoods sit at their LSOA centroids."
        return (
            "No centroids were given, so neighbourhoods are laid out on a synthetic disc (most "
            "deprived at the centre) and travel times are approximate."
        )

    def text(self) -> str:
        """One paragraph, e.g. for a scenario's description."""
        return (
            f"{self.name} ({self.code}): {self.neighbourhoods} neighbourhoods (LSOAs), "
            f"population {self.population:,}, {self.adults:,} adults {self.adults_basis}, of "
            f"whom {self.simulated:,} are simulated (sample {self.sample:g}). Neighbourhoods in "
            f"IMD deciles 1-10: {', '.join(str(c) for c in self.deciles.values())}. {self.layout}"
        )


def describe(lsoas: pd.DataFrame, sample: float = 1.0) -> PlaceSummary:
    """A summary of a local authority's LSOAs (from `select_local_authority`)."""
    counts = lsoas.imd_decile.astype(int).value_counts()
    return PlaceSummary(
        name=lsoas.la_name.iloc[0],
        code=lsoas.la_code.iloc[0],
        neighbourhoods=len(lsoas),
        population=int(lsoas.population.sum()),
        adults=int(round(lsoas.adults.sum())),
        simulated=int(residents(lsoas, sample).sum()),
        sample=sample,
        deciles={d: int(counts.get(d, 0)) for d in range(1, 11)},
        adults_from_age_bands="children" in lsoas,
        centroids="lon" in lsoas,
    )


def scenario_toml(place: Place, summary: PlaceSummary) -> str:
    """A scenario file (TOML) that simulates this real place; file paths made absolute."""
    slug = re.sub(r"[^a-z0-9]+", "-", summary.name.lower()).strip("-")
    lines = [
        f"name = {json.dumps(slug)}",
        f"description = {json.dumps(summary.text())}",
        "years = 10",
        "seed = 1",
        "",
        "[place]",
        f"local_authority = {json.dumps(summary.code)}",
    ]
    for key in ("imd_file", "population_file", "centroids_file"):
        if getattr(place, key) is not None:
            path = Path(getattr(place, key)).expanduser().resolve()
            lines.append(f"{key} = {json.dumps(str(path))}")
    lines.append(f"sample = {place.sample!r}")
    return "\n".join(lines) + "\n"
