"""The Noark 5 (v5.0) transfer package of a period (SPEC §10).

Example::

    with db.session() as session:
        report = write_package(
            session, org, start=date(2026, 1, 1), end=date(2026, 12, 31),
            out_dir=Path("uttrekk-2026"), schemas_dir=default_schemas_dir(), now=clock.now(),
        )
    for left in report.left_out:
        print(describe(left), file=sys.stderr)
"""

from archive.noark5.package import (
    PackageError,
    Report,
    default_schemas_dir,
    describe,
    write_package,
)

__all__ = ["PackageError", "Report", "default_schemas_dir", "describe", "write_package"]
