import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("consent_management_grant_tour", {
    steps: () => [
        {
            content: "Open the Legal basis tab",
            trigger: ".o_notebook_headers a[name='consent']",
            run: "click",
        },
        {
            content: "Nothing recorded yet for e-marketing",
            trigger: ".o_field_widget[name=emarketing_state]:contains('No record')",
        },
        {
            content: "Grant",
            trigger: "button[name=action_consent_grant]",
            run: "click",
        },
        {
            content: "Choose the purpose",
            trigger: ".modal .o_field_widget[name=purpose_id] input",
            run: "edit E-marketing",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('E-marketing')",
            run: "click",
        },
        {
            content: "The wording of the purpose is proposed",
            trigger:
                ".modal .o_field_widget[name=consent_text] textarea:value(/newsletters/)",
        },
        {
            content: "Say how it was given",
            trigger: ".modal .o_field_widget[name=description] textarea",
            run: "edit Signed up at the fair in Herning",
        },
        {
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "The record is listed and e-marketing is active",
            trigger:
                ".o_field_widget[name=consent_record_ids] .o_data_row:contains('E-marketing'):contains('Active')",
        },
        {
            trigger: ".o_field_widget[name=emarketing_state]:contains('Active')",
        },
        {
            content: "The history shows the grant",
            trigger:
                ".o_field_widget[name=consent_event_ids] .o_data_row:contains('Granted')",
        },
    ],
});

registry.category("web_tour.tours").add("consent_management_settings_tour", {
    steps: () => [
        {
            content: "The switch is in Settings",
            trigger: "#consent_emarketing_privacy_setting input[type=checkbox]",
        },
        {
            content: "Run the initialisation again",
            trigger: "button[name=action_consent_run_initializer]",
            run: "click",
        },
        {
            content: "The report lists each rule with zero contacts touched",
            trigger:
                ".modal .o_field_widget[name=line_ids] .o_data_row:contains('Sales and service'):contains('0')",
        },
        {
            trigger:
                ".modal .o_field_widget[name=line_ids] .o_data_row:contains('Blacklisted')",
        },
        {
            trigger: ".modal-footer button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
