from odoo import models, tools

from ..models.mailing_mailing import CONSENT_FAILURE_TYPES


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _process_mail_values_state(self, mail_values_dict):
        """Cancel, with the reason, the mails of recipients that consent or
        subscription choices exclude (one query per composer batch).

        Odoo's own mechanism for blocklisted and duplicate addresses: the
        recipient stays in Odoo's recipient computation, its mail is created
        cancelled and its trace says why, so the mailing's statistics show
        everyone left out. Every send-out goes through here (send now, the
        mail queue, A/B tests, the list view's mass mail).
        """
        mailing = self.mass_mailing_id
        if (
            not mailing
            or self.model != mailing.mailing_model_real
            or not mailing._consent_is_enforced()
        ):
            return super()._process_mail_values_state(mail_values_dict)
        excluded = mailing._consent_classify_recipients(list(mail_values_dict))
        # Odoo's checks (blocklist, invalid, duplicates) run on the others
        # only: an excluded contact must not count as the address's first
        # mail, or a consenting contact sharing it would become a duplicate.
        super()._process_mail_values_state(
            {
                res_id: values
                for res_id, values in mail_values_dict.items()
                if res_id not in excluded
            }
        )
        for res_id, (failure_type, reason) in excluded.items():
            mail_values_dict[res_id].update(
                {
                    "state": "cancel",
                    "failure_type": failure_type,
                    "failure_reason": reason,
                    "is_notification": False,
                }
            )
        return mail_values_dict

    def _prepare_mail_values(self, res_ids):
        """Every e-mail of a mass mailing ends with a "Manage subscriptions"
        link in the recipient's language, whatever the body kept of Odoo's
        unsubscribe snippet. The link is Odoo's own placeholder: at sending,
        ``mailing.mailing._get_unsubscribe_url`` makes it the recipient's
        preferences page."""
        mail_values_all = super()._prepare_mail_values(res_ids)
        mailing = self.mass_mailing_id
        if (
            self.composition_mode != "mass_mail"
            or not mailing
            or mailing.mailing_type != "mail"
            or not self.model_is_thread
        ):
            return mail_values_all
        langs = mailing._subscription_recipient_langs(list(mail_values_all))
        base_url = mailing.get_base_url()
        footers = {}
        for res_id, values in mail_values_all.items():
            if not values.get("body_html"):
                continue
            lang = langs.get(res_id) or self.env.lang
            if lang not in footers:
                footers[lang] = (
                    self.env["ir.qweb"]
                    .with_context(lang=lang)
                    ._render(
                        "mass_mailing_subscriptions.mailing_preferences_footer",
                        {"base_url": base_url},
                        minimal_qcontext=True,
                    )
                )
            values["body_html"] = tools.mail.append_content_to_html(
                values["body_html"], footers[lang], plaintext=False
            )
        return mail_values_all

    def _prepare_mail_values_mailing_traces(self, mail_values_all):
        trace_values_all = super()._prepare_mail_values_mailing_traces(mail_values_all)
        for res_id, trace_values in trace_values_all.items():
            values = mail_values_all.get(res_id) or {}
            if trace_values and values.get("failure_type") in CONSENT_FAILURE_TYPES:
                trace_values["failure_reason"] = values.get("failure_reason")
        return trace_values_all
