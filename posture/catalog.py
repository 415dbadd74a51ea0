"""The control catalog: the single source of truth for ids, titles, severities, promises,
framework references and remediation. The policy pack, the offline check, the live audit,
the reports and docs/controls.md all read it; nothing here is repeated elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from posture.findings import Severity


@dataclass(frozen=True)
class Promise:
    id: str
    text: str
    application_responsibility: str | None = None
    """What infrastructure cannot prove about this promise; reported as application
    responsibility, never as passed."""


@dataclass(frozen=True)
class Control:
    id: str
    """``aws-<service>-<resource>-<verb-phrase>`` or ``stack-<subject>-<verb-phrase>``."""
    title: str
    description: str
    severity: Severity
    promises: tuple[str, ...]
    frameworks: dict[str, tuple[str, ...]]
    """Framework name ("AWS FSBP", "CIS AWS", "NIST 800-53", "PCI DSS") to its control ids."""
    remediation: str
    resource_types: tuple[str, ...]
    """Pulumi type tokens the rule reads; empty for stack controls that read the whole graph."""
    enforcers: tuple[str, ...] = ("policy", "offline")
    """Where the control is enforced: ``policy`` (CrossGuard), ``offline`` (posture check),
    ``live`` (posture audit)."""
    references: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_stack_control(self) -> bool:
        return self.id.startswith("stack-")


PROMISES: tuple[Promise, ...] = (
    Promise("DB-1", "The database has few entry points, and a firewall sits on each one."),
    Promise("DB-2", "Nothing outside the application can reach the database: it lives in a private network, "
                    "reads and writes come only from our own service."),
    Promise("DB-3", "Backups run on a schedule and are kept somewhere protected as strongly as the database itself."),
    Promise("DB-4", "Data moving between the app and the database is encrypted."),
    Promise("BANK-1", "Bank and card credentials are never seen or stored; bank access goes through a tokenized "
                      "access point.",
            application_responsibility="The application never asks for or stores bank or card credentials."),
    Promise("BANK-2", "Connections to financial institutions are strictly read-only; stolen credentials or servers "
                      "cannot move money.",
            application_responsibility="The aggregator token is requested with read-only scopes."),
    Promise("BANK-3", "Transaction data travels encrypted and is stored in walled-off systems."),
    Promise("BANK-4", "The bank channel is supervised (FFIEC-style): every access is recorded and reviewable."),
    Promise("SOC-1", "Social accounts connect by OAuth only; tokens expire regularly and a user can cut the "
                     "connection at any time.",
            application_responsibility="Login uses OAuth only and the disconnect button deletes the token item."),
    Promise("APP-1", "Sessions live in the database, never in cookies; session data is destroyed at logout.",
            application_responsibility="No session data in cookies; the session item is deleted at logout."),
    Promise("APP-2", "The whole site is served over TLS, which protects against session hijacking."),
    Promise("APP-3", "Requests carry an anti-forgery token; cross-site request forgery and XSS are blocked; "
                     "input is sanitized.",
            application_responsibility="Anti-forgery tokens on every state-changing request; output encoding."),
    Promise("APP-4", "The application is continuously monitored and scanned; weaknesses are patched immediately."),
    Promise("ADM-1", "Firewalls and IP blocklists guard every internal service: intranet, database connections, "
                     "server connections."),
)
