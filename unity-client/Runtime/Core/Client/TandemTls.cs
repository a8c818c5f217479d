using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Tandem
{
    /// <summary>
    /// TLS helpers: loading certificates from PEM, and the server certificate check the client
    /// runs (the system store by default; with <see cref="TandemClientOptions.TrustedCertificates"/>
    /// a pinned self-signed certificate or a private CA instead).
    /// </summary>
    public static class TandemTls
    {
        /// <summary>SslProtocols.Tls13 by value: the name is missing from older profiles.</summary>
        public const SslProtocols Tls13 = (SslProtocols)12288;

        /// <summary>TLS 1.2 and 1.3 (where the runtime has 1.3); never SSL 3, TLS 1.0 or 1.1.</summary>
        public const SslProtocols DefaultProtocols = SslProtocols.Tls12 | Tls13;

        const string PemBegin = "-----BEGIN CERTIFICATE-----";
        const string PemEnd = "-----END CERTIFICATE-----";
        const string SubjectAltNameOid = "2.5.29.17";

        // ---- loading -------------------------------------------------------------------

        /// <summary>
        /// Every <c>CERTIFICATE</c> block of a PEM text (other blocks, such as keys, are skipped).
        /// Throws FormatException when there is none or one is damaged.
        /// </summary>
        public static X509Certificate2Collection ParsePem(string pem)
        {
            if (pem == null) throw new ArgumentNullException("pem");
            var result = new X509Certificate2Collection();
            int at = 0;
            while (true)
            {
                int begin = pem.IndexOf(PemBegin, at, StringComparison.Ordinal);
                if (begin < 0) break;
                int body = begin + PemBegin.Length;
                int end = pem.IndexOf(PemEnd, body, StringComparison.Ordinal);
                if (end < 0) throw new FormatException("PEM certificate block without " + PemEnd);
                var b64 = new StringBuilder(end - body);
                for (int i = body; i < end; i++)
                {
                    char c = pem[i];
                    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
                    b64.Append(c);
                }
                byte[] der;
                try
                {
                    der = Convert.FromBase64String(b64.ToString());
                }
                catch (FormatException e)
                {
                    throw new FormatException("PEM certificate block " + (result.Count + 1) + " is not valid base64: " + e.Message);
                }
                try
                {
                    result.Add(new X509Certificate2(der));
                }
                catch (Exception e)
                {
                    throw new FormatException("PEM certificate block " + (result.Count + 1) + " is not a certificate: " + e.Message);
                }
                at = end + PemEnd.Length;
            }
            if (result.Count == 0) throw new FormatException("no " + PemBegin + " block found");
            return result;
        }

        /// <summary>Certificates from a file: PEM (one or more blocks) or a single DER certificate.</summary>
        public static X509Certificate2Collection LoadCertificates(string path)
        {
            byte[] data = File.ReadAllBytes(path);
            string text = Encoding.ASCII.GetString(data);
            if (text.IndexOf(PemBegin, StringComparison.Ordinal) >= 0) return ParsePem(text);
            return new X509Certificate2Collection(new X509Certificate2(data));
        }

        // ---- the check -----------------------------------------------------------------

        /// <summary>
        /// The certificate check a transport installs: <see cref="TandemClientOptions.CertificateValidation"/>
        /// when set, else <see cref="Check"/> against <see cref="TandemClientOptions.TrustedCertificates"/>
        /// (or the system store). <paramref name="rejected"/> receives why the built-in check refused.
        /// </summary>
        public static RemoteCertificateValidationCallback Validator(TandemClientOptions options, string targetHost, Action<string> rejected)
        {
            if (options.CertificateValidation != null) return options.CertificateValidation;
            var trusted = options.TrustedCertificates;
            return (sender, certificate, chain, errors) =>
            {
                string reason;
                if (Check(certificate, chain, errors, targetHost, trusted, out reason)) return true;
                if (rejected != null) rejected(reason);
                return false;
            };
        }

        /// <summary>
        /// Decides whether the server certificate <paramref name="certificate"/> (with the
        /// runtime's <paramref name="chain"/> and <paramref name="errors"/>, as a
        /// RemoteCertificateValidationCallback receives them) is acceptable for
        /// <paramref name="targetHost"/>.
        /// <para>No <paramref name="trusted"/> certificates: the system's verdict stands
        /// (errors must be None).</para>
        /// <para>With trusted certificates the system store is not consulted: the server
        /// certificate must be one of them (pinning) or be issued by one of them (a private CA),
        /// every certificate on the way must be within its validity period, and the host name
        /// is checked here against the certificate's subject alternative names (some runtimes,
        /// Mono among them, skip the name check once the chain is untrusted).</para>
        /// <paramref name="reason"/> says why a certificate was refused (null when accepted).
        /// </summary>
        public static bool Check(X509Certificate certificate, X509Chain chain, SslPolicyErrors errors,
                                 string targetHost, X509Certificate2Collection trusted, out string reason)
        {
            reason = null;
            if (certificate == null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                reason = "the server sent no certificate";
                return false;
            }
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                reason = "the server certificate is not issued for " + targetHost;
                return false;
            }
            if (trusted == null || trusted.Count == 0)
            {
                if (errors == SslPolicyErrors.None) return true;
                reason = "the server certificate is not trusted by the system store (" + errors + ")";
                return false;
            }

            var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
            if (!MatchesHost(leaf, targetHost))
            {
                reason = "the server certificate (" + leaf.Subject + ") is not issued for " + targetHost;
                return false;
            }
            DateTime now = DateTime.Now; // NotBefore/NotAfter are local times
            if (now < leaf.NotBefore || now > leaf.NotAfter)
            {
                reason = "the server certificate is outside its validity period (" + leaf.NotBefore + " .. " + leaf.NotAfter + ")";
                return false;
            }
            if (IndexOf(trusted, leaf) >= 0) return true; // pinned exactly
            if (SameBytes(leaf.SubjectName.RawData, leaf.IssuerName.RawData))
            {
                reason = "the server certificate (" + leaf.Subject + ", SHA-1 " + leaf.Thumbprint +
                         ") is self-signed and not one of the trusted certificates";
                return false;
            }

            // A private CA: build the chain with the trusted certificates as the only anchors.
            var built = new X509Chain();
            try
            {
                built.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                built.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                built.ChainPolicy.ExtraStore.AddRange(trusted);
                if (chain != null)
                    foreach (X509ChainElement e in chain.ChainElements) // intermediates the server sent
                        built.ChainPolicy.ExtraStore.Add(e.Certificate);
                built.Build(leaf);
                var elements = built.ChainElements;
                for (int i = 0; i < elements.Count; i++)
                {
                    X509ChainElement e = elements[i];
                    string bad = BadStatus(e.ChainElementStatus);
                    if (bad != null)
                    {
                        reason = "certificate " + i + " of the server chain (" + e.Certificate.Subject + "): " + bad;
                        return false;
                    }
                    if (i > 0 && IndexOf(trusted, e.Certificate) >= 0) return true; // signed up to a trusted anchor
                }
                reason = "the server certificate (" + leaf.Subject + ", SHA-1 " + leaf.Thumbprint +
                         ") is neither one of the trusted certificates nor issued by one of them";
                return false;
            }
            catch (Exception e) // e.g. a key type the runtime's chain builder cannot read
            {
                reason = "the server certificate chain (" + leaf.Subject + ") cannot be verified: " + e.Message;
                return false;
            }
            finally
            {
                built.Reset();
            }
        }

        /// <summary>
        /// True if <paramref name="certificate"/> is issued for <paramref name="host"/>: an IP
        /// address must be one of its IP address names; a DNS name must equal one of its DNS
        /// names (case-insensitively; <c>*.example.com</c> covers exactly one more label). Only
        /// without a subject alternative name extension is the common name compared instead.
        /// </summary>
        public static bool MatchesHost(X509Certificate2 certificate, string host)
        {
            if (certificate == null || string.IsNullOrEmpty(host)) return false;
            host = host.TrimEnd('.');
            IPAddress ip;
            bool isIp = IPAddress.TryParse(host.Trim('[', ']'), out ip);
            X509Extension san = certificate.Extensions[SubjectAltNameOid];
            if (san == null)
            {
                string cn = certificate.GetNameInfo(X509NameType.SimpleName, false);
                if (string.IsNullOrEmpty(cn)) return false;
                return isIp ? cn == host : DnsMatches(cn, host);
            }
            byte[] want = isIp ? ip.GetAddressBytes() : null;
            bool match = false;
            ForEachAltName(san.RawData, (tag, value) =>
            {
                if (isIp && tag == 0x87 && SameBytes(value, want)) match = true;
                if (!isIp && tag == 0x82 && DnsMatches(Encoding.ASCII.GetString(value), host)) match = true;
            });
            return match;
        }

        static bool DnsMatches(string pattern, string host)
        {
            pattern = pattern.TrimEnd('.');
            if (string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase)) return true;
            if (!pattern.StartsWith("*.", StringComparison.Ordinal)) return false;
            int dot = host.IndexOf('.');
            return dot > 0 && pattern.IndexOf('.', 2) > 0 && // no "*.com"-style single label wildcards
                   string.Equals(pattern.Substring(1), host.Substring(dot), StringComparison.OrdinalIgnoreCase);
        }

        // GeneralNames ::= SEQUENCE OF GeneralName (DER). Calls back with each name's tag
        // (0x82 dNSName, 0x87 iPAddress, ...) and content; stops quietly on malformed input.
        static void ForEachAltName(byte[] der, Action<int, byte[]> onName)
        {
            if (der == null) return;
            int at = 0, len;
            if (!ReadHeader(der, ref at, out int tag, out len) || tag != 0x30) return;
            int end = at + len;
            while (at < end)
            {
                if (!ReadHeader(der, ref at, out tag, out len) || at + len > end) return;
                var value = new byte[len];
                Array.Copy(der, at, value, 0, len);
                onName(tag, value);
                at += len;
            }
        }

        static bool ReadHeader(byte[] der, ref int at, out int tag, out int len)
        {
            tag = 0;
            len = 0;
            if (at + 2 > der.Length) return false;
            tag = der[at++];
            int first = der[at++];
            if (first < 0x80)
            {
                len = first;
            }
            else
            {
                int n = first & 0x7f;
                if (n == 0 || n > 3 || at + n > der.Length) return false;
                for (int i = 0; i < n; i++) len = (len << 8) | der[at++];
            }
            return len >= 0 && at + len <= der.Length;
        }

        static int IndexOf(X509Certificate2Collection set, X509Certificate2 cert)
        {
            byte[] raw = cert.RawData;
            for (int i = 0; i < set.Count; i++)
                if (SameBytes(raw, set[i].RawData)) return i;
            return -1;
        }

        static bool SameBytes(byte[] a, byte[] b)
        {
            if (a == null || b == null || a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i]) return false;
            return true;
        }

        // Status flags a chain element may carry on the way to a trusted anchor: the anchor is
        // not in the system store (that is the point), and revocation is not checked.
        const X509ChainStatusFlags Tolerated = X509ChainStatusFlags.NoError | X509ChainStatusFlags.UntrustedRoot |
            X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation;

        static string BadStatus(X509ChainStatus[] statuses)
        {
            if (statuses == null) return null;
            foreach (X509ChainStatus s in statuses)
                if ((s.Status & ~Tolerated) != 0)
                    return s.Status + (string.IsNullOrEmpty(s.StatusInformation) ? "" : " (" + s.StatusInformation.Trim() + ")");
            return null;
        }
    }
}
