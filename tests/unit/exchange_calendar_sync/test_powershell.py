import pytest

from tests.unit.svc import load

powershell = load("exchange_calendar_sync", "powershell")
APP = "22222222-2222-2222-2222-222222222222"


def test_delegate_script_uses_localised_folders():
    script = powershell.ews_delegate_script(
        "svc@nordlys.dk",
        [
            ("anna@nordlys.dk", "Kalender", "Opgaver"),
            ("jan@nordlys.nl", "Agenda", "Taken"),
        ],
    )
    assert "$ServiceAccount = 'svc@nordlys.dk'" in script
    assert (
        "Add-MailboxFolderPermission -Identity $Folder -User $ServiceAccount "
        "-AccessRights Editor" in script
    )
    for identity in (
        "anna@nordlys.dk:\\Kalender",
        "anna@nordlys.dk:\\Opgaver",
        "jan@nordlys.nl:\\Agenda",
        "jan@nordlys.nl:\\Taken",
    ):
        assert f"Grant-OdooEditor '{identity}'" in script


def test_graph_script_scopes_app_to_mailboxes():
    script = powershell.graph_rbac_script(
        APP, ["anna@nordlys.dk", "o'brien@nordlys.dk"]
    )
    assert f"$AppId = '{APP}'" in script
    assert (
        "New-ManagementRoleAssignment -App $AppId -Role 'Application "
        "Calendars.ReadWrite'"
        " -CustomResourceScope $Scope" in script
    )
    # quotes doubled once for the OPATH filter and once for the PowerShell literal
    assert "PrimarySmtpAddress -eq ''o''''brien@nordlys.dk''" in script
    assert (
        "Test-ServicePrincipalAuthorization -Identity $AppId -Resource "
        "'anna@nordlys.dk'" in script
    )
    assert "New-ApplicationAccessPolicy" not in script  # legacy, Microsoft says don't


def test_impersonation_script():
    script = powershell.ews_impersonation_script("svc@nordlys.dk", ["anna@nordlys.dk"])
    assert "-Role ApplicationImpersonation -User 'svc@nordlys.dk'" in script
    assert "-CustomRecipientWriteScope $Scope" in script


@pytest.mark.parametrize(
    "call",
    [
        lambda: powershell.ews_delegate_script(
            "svc@x.dk", [("a@x.dk'; Remove-Mailbox", "C", "T")]
        ),
        lambda: powershell.ews_delegate_script(
            "not an address", [("a@x.dk", "C", "T")]
        ),
        lambda: powershell.graph_rbac_script("not-a-guid", ["a@x.dk"]),
        lambda: powershell.graph_rbac_script(APP, []),
    ],
)
def test_bad_input_never_reaches_a_script(call):
    with pytest.raises(powershell.ScriptError):
        call()
