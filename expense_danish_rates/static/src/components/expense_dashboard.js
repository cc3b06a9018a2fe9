/** @odoo-module **/

import {ExpenseDashboard} from "@hr_expense/components/expense_dashboard";
import {onWillStart} from "@odoo/owl";
import {patch} from "@web/core/utils/patch";

// My Expenses shows the logged-in employee's own car km counter next to the
// amounts to submit, under validation and to be reimbursed.
patch(ExpenseDashboard.prototype, {
    setup() {
        super.setup();
        onWillStart(async () => {
            this.state.dkMileageCounter = await this.orm.call(
                "hr.expense",
                "get_dk_mileage_counter",
                []
            );
        });
    },
});
