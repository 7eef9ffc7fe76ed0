"""Adapters: the only code that imports sqlite3, kafka, elasticsearch, smtplib or httpx clients."""
