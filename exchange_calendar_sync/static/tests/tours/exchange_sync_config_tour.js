import {registry} from "@web/core/registry";

// An administrator opens the Exchange sync from the Calendar settings and sees
// which backend fits which server, and the warning for EWS on Exchange Online.
registry.category("web_tour.tours").add("exchange_calendar_sync_config_tour", {
    url: "/odoo/action-calendar.calendar_settings_action",
    steps: () => [
        {
            trigger:
                "#exchange_calendar_sync_setting button:contains('Configure Exchange sync')",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger:
                ".o_form_view .alert-info:contains('Which backend?'):contains('Microsoft Graph')",
        },
        {
            trigger:
                ".o_form_view div[name=backend] label:contains('Exchange Web Services')",
            run: "click",
        },
        {
            trigger: ".o_form_view div[name=ews_url] input",
            run: "edit https://outlook.office365.com/EWS/Exchange.asmx",
        },
        {
            trigger: ".o_form_view div[name=ews_username] input",
            run: "click",
        },
        {
            trigger: ".o_form_view .alert-warning:contains('1 April 2027')",
        },
        {
            trigger: ".o_form_view div[name=ews_url] input",
            run: "edit https://mail.nordlys.example/EWS/Exchange.asmx",
        },
        {
            trigger: ".o_form_view div[name=ews_username] input",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(.alert-warning:visible))",
        },
        {
            trigger: ".o_form_button_cancel",
            run: "click",
        },
        {
            // back on the list: the new configuration was discarded, not saved
            trigger: ".o_list_view .o_list_button_add",
        },
    ],
});
