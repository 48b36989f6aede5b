"""Every app's router and where it is mounted under /api/v1/; add a line here to publish a new one."""

ROUTERS = [
    ("", "zhitongche.core.api"),
    ("", "zhitongche.accounts.api"),
    ("", "zhitongche.regions.api"),
    ("", "zhitongche.registry.api"),
    ("", "zhitongche.imports.api"),
    ("", "zhitongche.assessment.api"),
    ("", "zhitongche.appeals.api"),
    ("", "zhitongche.interactions.api"),
    ("", "zhitongche.licenses.api"),
    ("", "zhitongche.catalog.api"),
]
