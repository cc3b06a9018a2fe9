/** @odoo-module **/

import {registry} from "@web/core/registry";

/*
 * A contact reachable by e-mail, WhatsApp, text message and phone opens the
 * preferences page: withdraws SMS marketing, allows phone marketing, saves,
 * then withdraws from all marketing. The Python test checks the database.
 */
registry.category("web_tour.tours").add("mass_mailing_subscriptions_channels", {
    steps: () => [
        {
            content: "The page greets the contact by name",
            trigger: ".o_preferences_name:contains('Olga Offers')",
            // a page load: slow on a busy test machine
            timeout: 60000,
        },
        {
            content: "E-marketing is allowed",
            trigger: "#o_preferences_emarketing:checked",
        },
        {
            content: "WhatsApp marketing is offered, not allowed yet",
            trigger: "#o_preferences_purpose_whatsapp_marketing:not(:checked)",
        },
        {
            content: "SMS marketing is allowed",
            trigger: "#o_preferences_purpose_sms_marketing:checked",
        },
        {
            content: "Withdraw SMS marketing",
            trigger: "#o_preferences_purpose_sms_marketing",
            run: "click",
        },
        {
            content: "Allow phone marketing",
            trigger: "label[for='o_preferences_purpose_phone_marketing']",
            run: "click",
        },
        {
            content: "Save",
            trigger: "button.o_preferences_save",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved confirmation",
            trigger: ".o_preferences_saved",
            // a page load: slow on a busy test machine
            timeout: 60000,
        },
        {
            content: "SMS marketing is withdrawn",
            trigger: "#o_preferences_purpose_sms_marketing:not(:checked)",
        },
        {
            content: "Phone marketing is allowed",
            trigger: "#o_preferences_purpose_phone_marketing:checked",
        },
        {
            content: "E-marketing is still allowed",
            trigger: "#o_preferences_emarketing:checked",
        },
        {
            content: "Withdraw from all",
            trigger: "button.o_preferences_withdraw_all",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Withdrawal confirmed",
            trigger: ".o_preferences_withdrawn",
            // a page load: slow on a busy test machine
            timeout: 60000,
        },
        {
            content: "Every channel is switched off",
            trigger:
                ".o_preferences_form:not(:has(input[name='purpose_ids']:checked)):has(#o_preferences_emarketing:not(:checked))",
        },
    ],
});
