/** @odoo-module **/

import {registry} from "@web/core/registry";

/*
 * A salesperson ticks a subscription type on a contact's Legal basis tab and
 * saves; the Python test checks the choice and its consent event.
 */
registry.category("web_tour.tours").add("mass_mailing_subscriptions_partner_tour", {
    steps: () => [
        {
            content: "Open the Legal basis tab",
            trigger: ".o_notebook_headers a[name='consent']",
            run: "click",
        },
        {
            // the link acts as the person: only Consent officers see it
            content: "The personal preferences link is not shown to marketers",
            trigger: ".o_field_widget[name=subscription_type_ids]",
            run: () => {
                if (document.querySelector("[name=subscription_preferences_url]")) {
                    throw new Error("a marketer sees the preferences link");
                }
            },
        },
        {
            content: "Tick Events & webinars",
            trigger:
                ".o_field_widget[name=subscription_type_ids] .form-check:has(label:contains('Events & webinars')) input",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
    ],
});

/*
 * A marketer picks the subscription type of a mailing and sees how many
 * recipients have consent for it.
 */
registry.category("web_tour.tours").add("mass_mailing_subscriptions_mailing_tour", {
    steps: () => [
        {
            content: "The mailing has a subscription type field",
            trigger: ".o_field_widget[name=subscription_type_id] input",
            run: "edit Offers",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Offers')",
            run: "click",
        },
        {
            content: "Recipients with consent for Offers: only Olga",
            trigger: ".o_field_widget[name=consent_recipient_count]:contains('1')",
        },
        {
            content: "No bypass for a marketer without the override group",
            trigger:
                ".o_form_view:not(:has(.o_field_widget[name=bypass_consent] input))",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});
