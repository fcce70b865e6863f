// nodemailer transport from SMTP_URL. Without one, e-mails stay in the outbox (admins see them).
import nodemailer, { type Transporter } from 'nodemailer';

export function createTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport(smtpUrl);
}
