/** @odoo-module **/

import {registry} from "@web/core/registry";

// An employee opens My Expenses, starts the Danish per diem from the list,
// sees a trip under 24 hours refused with the reason, fixes the return time
// and creates the food and lodging lines of the 2018 worked example.
registry.category("web_tour.tours").add("expense_danish_rates_per_diem_tour", {
    url: "/odoo/action-hr_expense.hr_expense_actions_my_all",
    steps: () => [
        {
            content: "Start the Danish per diem from My Expenses",
            trigger: ".o_control_panel button:contains('Danish Per Diem')",
            run: "click",
        },
        {
            content: "Destination",
            trigger: ".modal .o_field_widget[name=destination] input",
            run: "edit Odense",
        },
        {
            content: "Business purpose",
            trigger: ".modal .o_field_widget[name=purpose] input",
            run: "edit Installation at customer",
        },
        {
            content: "Departure Monday 5 March 2018 08:00",
            trigger: ".modal .o_field_widget[name=departure] input",
            run: "edit 03/05/2018 08:00:00",
        },
        {
            content: "Return the same evening",
            trigger: ".modal .o_field_widget[name=return_datetime] input",
            run: "edit 03/05/2018 20:00:00",
        },
        {
            content: "Leave the date field",
            trigger: ".modal .o_field_widget[name=destination] input",
            run: "click",
        },
        {
            content: "A trip under 24 hours is not eligible, with the reason shown",
            trigger: ".modal .alert-warning:contains('at least 24 hours')",
        },
        {
            content: "Return on Wednesday 13:30",
            trigger: ".modal .o_field_widget[name=return_datetime] input",
            run: "edit 03/07/2018 13:30:00",
        },
        {
            content: "Leave the date field again",
            trigger: ".modal .o_field_widget[name=purpose] input",
            run: "click",
        },
        {
            content: "Two full days, six started hours and two nights",
            trigger: ".modal .o_field_widget[name=total_amount]:contains('1,548.50')",
        },
        {
            content: "The calculation is explained line by line",
            trigger: ".modal .o_dk_per_diem_lines:contains('20.75')",
        },
        {
            content: "Create the expenses",
            trigger: ".modal button[name=action_create_expenses]",
            run: "click",
        },
        {
            content: "The food allowance line is listed",
            trigger: ".o_list_view .o_data_row:contains('Food allowance Odense')",
        },
        {
            content: "And the lodging allowance line",
            trigger: ".o_list_view .o_data_row:contains('Lodging allowance Odense')",
        },
    ],
});
