from . import hr_expense_dk_statement_report
