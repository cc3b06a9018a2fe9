from odoo import models


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    def _prepare_mass_sms_values(self, records):
        """Cancel, with the reason, the SMS of recipients that SMS-marketing
        consent or subscription choices exclude (one query per batch).

        Odoo's own mechanism for blocklisted and opted-out numbers: the
        recipient stays in Odoo's recipient computation, its SMS is created
        cancelled and its trace says why. Odoo's checks (blocklist, opt-out,
        duplicates) run on the other recipients only: an excluded contact
        must not count as the number's first SMS, or a consenting contact
        sharing the number would become a duplicate.
        """
        mailing = self.mailing_id
        if (
            self.composition_mode != "mass"
            or not mailing
            or records._name != mailing.mailing_model_real
            or not mailing._consent_is_enforced()
        ):
            return super()._prepare_mass_sms_values(records)
        excluded = mailing._consent_classify_recipients(records.ids)
        if not excluded:
            return super()._prepare_mass_sms_values(records)
        kept = records.filtered(lambda record: record.id not in excluded)
        result = super()._prepare_mass_sms_values(kept) if kept else {}
        cancelled = super()._prepare_mass_sms_values(records - kept)
        for res_id, sms_values in cancelled.items():
            failure_type, reason = excluded[res_id]
            self._consent_cancel_sms_values(sms_values, res_id, failure_type, reason)
        result.update(cancelled)
        return {record.id: result[record.id] for record in records}

    def _consent_cancel_sms_values(self, sms_values, res_id, failure_type, reason):
        """Turn the values of one SMS and its trace into a cancelled SMS
        left out by consent, without the opt-out line of an SMS to send."""
        was_outgoing = sms_values["state"] == "outgoing"
        sms_values.update({"state": "canceled", "failure_type": failure_type})
        for command in sms_values.get("mailing_trace_ids") or []:
            trace_values = command[2]
            if was_outgoing and self.mass_sms_allow_unsubscribe:
                stop_sms = self._get_unsubscribe_info(
                    self._get_unsubscribe_url(
                        res_id, trace_values["sms_code"], sms_values["number"]
                    )
                )
                sms_values["body"] = sms_values["body"].removesuffix(f"\n{stop_sms}")
            trace_values.update(
                {
                    "trace_status": "cancel",
                    "failure_type": failure_type,
                    "failure_reason": reason,
                }
            )
