"""docgen: 政府信息公开工作年度报告 — input checks, Word filing, auditors' workbook."""

__version__ = "0.1.0"
