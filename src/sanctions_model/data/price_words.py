"""Plain words for the shipped price indices, with no imports: the index pages of a warm sweep
name a run's deflator through :func:`sanctions_model.reporting.labels.param_value` without
loading pandas (``price_series`` builds its specs from these words)."""

DEFLATOR_WORDS: dict[str, str] = {
    "hicp_ea": "euro-area consumer prices (HICP, Eurostat)",
    "cpi_u": "US consumer prices (CPI-U, BLS)",
    "us_export_prices": "US export prices, all commodities (BLS)",
}
