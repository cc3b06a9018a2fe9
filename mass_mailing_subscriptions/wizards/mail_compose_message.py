from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _process_mail_values_state(self, mail_values_dict):
        """Cancel, with the reason, the mails of recipients that consent or
        subscription choices exclude (one query per composer batch).

        Mailings sent by their own flow already left those recipients out
        (see ``mailing.mailing._get_remaining_recipients``); this catches
        send-outs given explicit records, e.g. the list view's mass mail.
        """
        mail_values_dict = super()._process_mail_values_state(mail_values_dict)
        mailing = self.mass_mailing_id
        if (
            not mailing
            or self.model != mailing.mailing_model_real
            or not mailing._consent_is_enforced()
        ):
            return mail_values_dict
        candidates = [
            res_id
            for res_id, values in mail_values_dict.items()
            if values.get("state") != "cancel"
        ]
        excluded = mailing._consent_classify_recipients(candidates)
        if not excluded:
            return mail_values_dict
        reasons = mailing._consent_failure_reasons()
        for res_id, failure_type in excluded.items():
            mail_values_dict[res_id].update(
                {
                    "state": "cancel",
                    "failure_type": failure_type,
                    "failure_reason": reasons[failure_type],
                    "is_notification": False,
                }
            )
        return mail_values_dict

    def _prepare_mail_values_mailing_traces(self, mail_values_all):
        trace_values_all = super()._prepare_mail_values_mailing_traces(mail_values_all)
        for res_id, trace_values in trace_values_all.items():
            values = mail_values_all.get(res_id) or {}
            if trace_values and values.get("failure_type") in (
                "mail_no_consent",
                "mail_not_subscribed",
            ):
                trace_values["failure_reason"] = values.get("failure_reason")
        return trace_values_all
