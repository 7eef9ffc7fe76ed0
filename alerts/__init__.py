"""Alerts as people receive them: which subscription wants which item and why (matching), the
per-recipient batching window and ledger (batching), rendering (render, templates/), and the
scheduled jobs (digest, reminders, calendar). The alerter role in :mod:`euradar.consumers`
feeds this package; the scheduled jobs run from :mod:`euradar.runtime`."""
