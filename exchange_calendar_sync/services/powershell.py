"""PowerShell scripts an Exchange administrator runs to grant the sync access.

* EWS delegate: the service mailbox gets Editor on each user's (localised)
  Calendar and Tasks folders with ``Add-MailboxFolderPermission``.
* EWS impersonation: ``ApplicationImpersonation`` limited by a management scope.
* Graph: RBAC for Applications limits the app registration to the chosen
  mailboxes (``New-ManagementScope`` + ``New-ManagementRoleAssignment``).
"""

import re

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
GUID_RE = re.compile(r"^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$")
SCOPE_NAME = "Odoo Exchange sync"
OBJECT_ID_PLACEHOLDER = "<object id of the enterprise application>"


class ScriptError(ValueError):
    """Input that must not end up in a script (bad address, missing id)."""


def quote(value):
    """A PowerShell single-quoted literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _check_email(email):
    if not email or not EMAIL_RE.match(email):
        raise ScriptError(f"Not a valid mailbox address: {email!r}")
    return email


def _recipient_filter(emails):
    parts = [
        f"PrimarySmtpAddress -eq '{e.replace(chr(39), chr(39) * 2)}'" for e in emails
    ]
    return " -or ".join(parts)


def _header(title, lines):
    return [
        f"# {title}",
        *[f"# {line}" for line in lines],
        "$ErrorActionPreference = 'Stop'",
        "",
    ]


def ews_delegate_script(service_account, mailboxes):
    """Grant ``service_account`` Editor on each mailbox's calendar and tasks.

    ``mailboxes`` is a list of ``(email, calendar_folder, tasks_folder)``, the
    folder names as the mailbox shows them (Calendar/Kalender/Agenda,
    Tasks/Opgaver/Taken).
    """
    _check_email(service_account)
    if not mailboxes:
        raise ScriptError("Choose at least one mailbox.")
    lines = _header(
        "Odoo Exchange sync - EWS delegate access (run in the Exchange Management "
        "Shell)",
        ["Gives the service mailbox Editor rights on each user's Calendar and Tasks."],
    )
    lines += [
        f"$ServiceAccount = {quote(service_account)}",
        "function Grant-OdooEditor([string]$Folder) {",
        "    $existing = Get-MailboxFolderPermission -Identity $Folder "
        "-User $ServiceAccount -ErrorAction SilentlyContinue",
        "    if ($existing) {",
        "        Set-MailboxFolderPermission -Identity $Folder -User $ServiceAccount "
        "-AccessRights Editor",
        "    } else {",
        "        Add-MailboxFolderPermission -Identity $Folder -User $ServiceAccount "
        "-AccessRights Editor",
        "    }",
        "}",
        "",
    ]
    for email, calendar_folder, tasks_folder in mailboxes:
        _check_email(email)
        for folder in (calendar_folder or "Calendar", tasks_folder or "Tasks"):
            identity = email + ":\\" + folder
            lines.append(f"Grant-OdooEditor {quote(identity)}")
    return "\n".join(lines) + "\n"


def ews_impersonation_script(service_account, emails, scope_name=SCOPE_NAME):
    """ApplicationImpersonation for ``service_account`` on ``emails`` only."""
    _check_email(service_account)
    emails = [_check_email(e) for e in emails]
    if not emails:
        raise ScriptError("Choose at least one mailbox.")
    lines = _header(
        "Odoo Exchange sync - EWS impersonation (run in the Exchange Management Shell)",
        ["Lets the service account act as the chosen users, and only as them."],
    )
    lines += [
        f"$Scope = {quote(scope_name)}",
        "if (Get-ManagementScope -Identity $Scope -ErrorAction SilentlyContinue) {",
        f"    Set-ManagementScope -Identity $Scope -RecipientRestrictionFilter "
        f"{quote(_recipient_filter(emails))}",
        "} else {",
        f"    New-ManagementScope -Name $Scope -RecipientRestrictionFilter "
        f"{quote(_recipient_filter(emails))}",
        "}",
        f"New-ManagementRoleAssignment -Name {quote(scope_name + ' impersonation')} "
        f"-Role ApplicationImpersonation -User {quote(service_account)} "
        "-CustomRecipientWriteScope $Scope",
    ]
    return "\n".join(lines) + "\n"


def graph_rbac_script(client_id, emails, object_id=None, scope_name=SCOPE_NAME):
    """RBAC for Applications: the app may only reach the chosen mailboxes."""
    if not client_id or not GUID_RE.match(client_id):
        raise ScriptError(f"Not a valid application (client) id: {client_id!r}")
    if object_id and not GUID_RE.match(object_id):
        raise ScriptError(f"Not a valid object id: {object_id!r}")
    emails = [_check_email(e) for e in emails]
    if not emails:
        raise ScriptError("Choose at least one mailbox.")
    lines = _header(
        "Odoo Exchange sync - Microsoft Graph, RBAC for Applications",
        [
            "Run in Exchange Online PowerShell (Connect-ExchangeOnline).",
            "Do NOT also grant Calendars.ReadWrite tenant-wide in Entra: grants add "
            "up.",
            "Microsoft To Do has no RBAC role: Tasks.ReadWrite.All stays tenant-wide.",
        ],
    )
    lines += [
        f"$AppId = {quote(client_id)}",
        f"$ObjectId = {quote(object_id or OBJECT_ID_PLACEHOLDER)}",
        f"$Scope = {quote(scope_name)}",
        "if (-not (Get-ServicePrincipal -Identity $AppId -ErrorAction "
        "SilentlyContinue)) {",
        "    New-ServicePrincipal -AppId $AppId -ObjectId $ObjectId "
        "-DisplayName 'Odoo Exchange sync'",
        "}",
        "if (Get-ManagementScope -Identity $Scope -ErrorAction SilentlyContinue) {",
        f"    Set-ManagementScope -Identity $Scope -RecipientRestrictionFilter "
        f"{quote(_recipient_filter(emails))}",
        "} else {",
        f"    New-ManagementScope -Name $Scope -RecipientRestrictionFilter "
        f"{quote(_recipient_filter(emails))}",
        "}",
        "New-ManagementRoleAssignment -App $AppId -Role 'Application "
        "Calendars.ReadWrite' "
        "-CustomResourceScope $Scope",
        "",
        "# Check: each line must say InScope = True",
    ]
    for email in emails:
        lines.append(
            "Test-ServicePrincipalAuthorization -Identity $AppId "
            f"-Resource {quote(email)}"
        )
    return "\n".join(lines) + "\n"
