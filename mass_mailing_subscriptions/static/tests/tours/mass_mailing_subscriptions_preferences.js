/** @odoo-module **/

import {registry} from "@web/core/registry";

/*
 * A contact opens the "Manage subscriptions" link of a real mailing, adds
 * "Events & webinars", drops "Newsletter", saves, then withdraws from all
 * e-marketing. The Python test checks the database afterwards.
 */
registry.category("web_tour.tours").add("mass_mailing_subscriptions_preferences", {
    steps: () => [
        {
            content: "The page greets the contact by name",
            trigger: ".o_preferences_name:contains('Olga Offers')",
            // a page load: slow on a busy test machine
            timeout: 60000,
        },
        {
            content: "Offers is ticked (the contact chose it before)",
            trigger:
                ".form-check:has(label[for^='o_preferences_type_'] span:contains('Offers')) input:checked",
        },
        {
            content: "Tick Events & webinars",
            trigger:
                "label[for^='o_preferences_type_'] span:contains('Events & webinars')",
            run: "click",
        },
        {
            content: "Untick Newsletter",
            trigger: "label[for^='o_preferences_type_'] span:contains('Newsletter')",
            run: "click",
        },
        {
            content: "E-marketing stays allowed",
            trigger: "#o_preferences_emarketing:checked",
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
            content: "Events & webinars is now ticked",
            trigger:
                ".form-check:has(label[for^='o_preferences_type_'] span:contains('Events & webinars')) input:checked",
        },
        {
            content: "Newsletter is no longer ticked",
            trigger:
                ".form-check:has(label[for^='o_preferences_type_'] span:contains('Newsletter')) input:not(:checked)",
        },
        {
            content: "Withdraw from all e-marketing",
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
            content: "E-marketing is switched off",
            trigger: "#o_preferences_emarketing:not(:checked)",
        },
    ],
});
