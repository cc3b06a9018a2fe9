/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("unitel_consent_service_call", {
    steps: () => [
        {
            content: "The call button says the contact is protected",
            trigger:
                ".o_form_view .o_field_widget[name=phone]:has(.o_unitel_marketing_blocked[title*='service calls only'])",
        },
        {
            content: "Open the Legal basis tab",
            trigger: ".o_notebook .nav-link:contains('Legal basis')",
            run: "click",
        },
        {
            content: "The contact form shows the phone-marketing standing",
            trigger:
                ".o_form_view .o_field_widget[name=phone_marketing_state]:contains('No record')",
        },
        {
            content: "Click the call button (shown on hover)",
            trigger:
                ".o_form_view .o_field_widget[name=phone]:has(.o_unitel_marketing_blocked)",
            run: (helpers) => {
                helpers.anchor.querySelector(".o_unitel_marketing_blocked").click();
            },
        },
        {
            content: "Odoo asks whether this is a service call",
            trigger: ".modal .modal-body:contains('Is this a service call?')",
        },
        {
            content: "Answer yes",
            trigger: ".modal .modal-footer button:contains('Yes, a service call')",
            run: "click",
        },
        {
            content: "The PBX rings the user's phone",
            trigger: ".o_notification:contains('rings now')",
        },
    ],
});
