/** @odoo-module **/

import {registry} from "@web/core/registry";

// Freja, a demo employee working in Danish, opens My Expenses, reads her own
// car km counter, opens a mileage expense and then her year-end statement.
registry.category("web_tour.tours").add("expense_danish_rates_counter_tour", {
    url: "/odoo/action-hr_expense.hr_expense_actions_my_all",
    steps: () => [
        {
            content: "My Expenses shows her own counter, in Danish",
            trigger: ".o_dk_mileage_counter:contains('Kørte km i år for')",
        },
        {
            content: "The counter passed the threshold in November",
            trigger: ".o_dk_mileage_counter:contains('til den lave sats')",
        },
        {
            content: "Open the Hamburg trip",
            trigger: ".o_data_row:contains('Hamburg') td[name=name]",
            run: "click",
        },
        {
            content: "The mileage form shows the same counter",
            trigger: ".o_form_view .o_dk_mileage_counter:contains('Kørte km i år for')",
        },
        {
            content: "Open the Mine udgifter menu",
            trigger:
                ".o_menu_sections [data-menu-xmlid='hr_expense.menu_hr_expense_my_expenses']",
            run: "click",
        },
        {
            content: "Open the year-end statement",
            trigger:
                ".dropdown-item[data-menu-xmlid='expense_danish_rates.hr_expense_dk_statement_menu']",
            run: "click",
        },
        {
            content: "The statement is hers, in Danish",
            trigger: ".modal .o_field_widget[name=employee_id]:contains('Freja Holm')",
        },
        {
            content: "It can be printed and exported",
            trigger: ".modal button[name=action_print_pdf]:contains('Udskriv PDF')",
        },
        {
            content: "Export the spreadsheet",
            trigger:
                ".modal button[name=action_export_xlsx]:contains('Eksportér XLSX')",
        },
    ],
});
