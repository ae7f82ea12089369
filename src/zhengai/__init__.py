"""诊改 — the internal quality assurance platform of a higher vocational college."""
