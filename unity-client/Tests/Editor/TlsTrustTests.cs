using System;
using System.IO;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using NUnit.Framework;

namespace Tandem.Tests
{
    /// <summary>
    /// The TLS certificate check of the client (TandemTls), without a server: what a pinned
    /// certificate or a private CA accepts and refuses, host names, and PEM loading. The
    /// TLS handshake itself is covered end to end by server/csharp_e2e_test.go (tls).
    /// </summary>
    [TestFixture]
    public class TlsTrustTests
    {
        const SslPolicyErrors ChainErrors = SslPolicyErrors.RemoteCertificateChainErrors; // what an untrusted root gives

        static X509Certificate2 Cert(string pem) { return TandemTls.ParsePem(pem)[0]; }

        static X509Certificate2Collection Trust(params string[] pems)
        {
            var c = new X509Certificate2Collection();
            foreach (string p in pems) c.AddRange(TandemTls.ParsePem(p));
            return c;
        }

        static string Refused(string serverPem, string host, X509Certificate2Collection trusted, SslPolicyErrors errors = ChainErrors)
        {
            string reason;
            bool ok = TandemTls.Check(Cert(serverPem), null, errors, host, trusted, out reason);
            Assert.IsFalse(ok, "the certificate must be refused");
            Assert.IsNotNull(reason, "a refusal says why");
            return reason;
        }

        static void Accepted(string serverPem, string host, X509Certificate2Collection trusted, SslPolicyErrors errors = ChainErrors)
        {
            string reason;
            bool ok = TandemTls.Check(Cert(serverPem), null, errors, host, trusted, out reason);
            Assert.IsTrue(ok, "refused: " + reason);
            Assert.IsNull(reason);
        }

        // ---- the system store (no trusted certificates) ---------------------------------

        [Test]
        public void WithoutTrustedCertificatesTheSystemVerdictStands()
        {
            Accepted(SelfRsaPem, "dev.tandem.test", null, SslPolicyErrors.None);
            Accepted(SelfRsaPem, "dev.tandem.test", new X509Certificate2Collection(), SslPolicyErrors.None);
            StringAssert.Contains("system store", Refused(SelfRsaPem, "dev.tandem.test", null, ChainErrors));
            StringAssert.Contains("not issued for", Refused(SelfRsaPem, "dev.tandem.test", null, SslPolicyErrors.RemoteCertificateNameMismatch));
            StringAssert.Contains("no certificate", Refused(SelfRsaPem, "dev.tandem.test", null, SslPolicyErrors.RemoteCertificateNotAvailable));
            string reason;
            Assert.IsFalse(TandemTls.Check(null, null, SslPolicyErrors.None, "dev.tandem.test", null, out reason));
        }

        [Test]
        public void DefaultOptionsUseTheSystemStoreAndTls12OrNewer()
        {
            var o = new TandemClientOptions();
            Assert.IsNull(o.TrustedCertificates);
            Assert.IsNull(o.CertificateValidation);
            Assert.AreEqual(SslProtocols.Tls12, o.TlsProtocols & SslProtocols.Tls12);
#pragma warning disable 0618 // obsolete protocol names: they must stay off
            Assert.AreEqual(SslProtocols.None, o.TlsProtocols & (SslProtocols.Ssl2 | SslProtocols.Ssl3 | SslProtocols.Tls | SslProtocols.Tls11));
#pragma warning restore 0618
        }

        // ---- pinning a self-signed certificate --------------------------------------------

        [Test]
        public void PinnedSelfSignedCertificateIsAccepted()
        {
            Accepted(SelfEcPem, "127.0.0.1", Trust(SelfEcPem));
            Accepted(SelfEcPem, "::1", Trust(SelfEcPem));
            Accepted(SelfRsaPem, "dev.tandem.test", Trust(SelfRsaPem));
            Accepted(SelfRsaPem, "DEV.Tandem.Test.", Trust(SelfRsaPem)); // case and a trailing dot do not matter
            Accepted(SelfRsaPem, "127.0.0.1", Trust(OtherEcPem, SelfRsaPem)); // any of several
            Accepted(SelfEcPem, "127.0.0.1", Trust(SelfEcPem), SslPolicyErrors.None);
        }

        [Test]
        public void AnotherSelfSignedCertificateIsRefused()
        {
            StringAssert.Contains("self-signed and not one of the trusted", Refused(OtherEcPem, "127.0.0.1", Trust(SelfEcPem)));
            // The system's approval does not matter once certificates are pinned.
            StringAssert.Contains("not one of the trusted", Refused(OtherEcPem, "127.0.0.1", Trust(SelfEcPem), SslPolicyErrors.None));
            StringAssert.Contains("not one of the trusted", Refused(SelfRsaPem, "dev.tandem.test", Trust(CaPem)));
        }

        [Test]
        public void PinningDoesNotSkipTheHostNameCheck()
        {
            StringAssert.Contains("not issued for 127.0.0.2", Refused(SelfEcPem, "127.0.0.2", Trust(SelfEcPem)));
            StringAssert.Contains("not issued for other.tandem.test", Refused(SelfRsaPem, "other.tandem.test", Trust(SelfRsaPem)));
            StringAssert.Contains("not issued for", Refused(SelfEcPem, "localhost", Trust(SelfEcPem))); // IP-only certificate
            StringAssert.Contains("not issued for", Refused(SelfEcPem, "127.0.0.1", Trust(SelfEcPem), ChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
            StringAssert.Contains("no certificate", Refused(SelfEcPem, "127.0.0.1", Trust(SelfEcPem), SslPolicyErrors.RemoteCertificateNotAvailable));
        }

        [Test]
        public void PinnedButExpiredCertificateIsRefused()
        {
            StringAssert.Contains("validity period", Refused(ExpiredEcPem, "127.0.0.1", Trust(ExpiredEcPem)));
        }

        // ---- a private CA ---------------------------------------------------------------

        [Test]
        public void CertificateIssuedByATrustedCaIsAccepted()
        {
            Accepted(LeafByCaPem, "game.tandem.test", Trust(CaPem));
            Accepted(LeafByCaPem, "10.0.0.7", Trust(SelfEcPem, CaPem));
        }

        [Test]
        public void CertificateOfAnUntrustedOrForgedIssuerIsRefused()
        {
            Refused(LeafByCaPem, "game.tandem.test", Trust(SelfRsaPem));
            // Same issuer name as the trusted CA, signed by another key.
            Refused(ForgedLeafPem, "game.tandem.test", Trust(CaPem));
            StringAssert.Contains("not issued for", Refused(LeafByCaPem, "evil.tandem.test", Trust(CaPem)));
            StringAssert.Contains("validity period", Refused(ExpiredLeafByCaPem, "old.tandem.test", Trust(CaPem)));
        }

        // ---- host names -------------------------------------------------------------------

        [Test]
        public void HostNameMatching()
        {
            var wildcard = Cert(WildcardEcPem);
            Assert.IsTrue(TandemTls.MatchesHost(wildcard, "eu.tandem.test"));
            Assert.IsTrue(TandemTls.MatchesHost(wildcard, "EU.tandem.test"));
            Assert.IsFalse(TandemTls.MatchesHost(wildcard, "tandem.test"), "a wildcard needs one more label");
            Assert.IsFalse(TandemTls.MatchesHost(wildcard, "a.eu.tandem.test"), "a wildcard covers one label only");
            Assert.IsFalse(TandemTls.MatchesHost(wildcard, "eutandem.test"));

            var ipOnly = Cert(SelfEcPem);
            Assert.IsTrue(TandemTls.MatchesHost(ipOnly, "127.0.0.1"));
            Assert.IsTrue(TandemTls.MatchesHost(ipOnly, "[::1]"));
            Assert.IsFalse(TandemTls.MatchesHost(ipOnly, "127.0.0.2"));
            Assert.IsFalse(TandemTls.MatchesHost(ipOnly, "::2"));

            var both = Cert(SelfRsaPem);
            Assert.IsTrue(TandemTls.MatchesHost(both, "dev.tandem.test"));
            Assert.IsTrue(TandemTls.MatchesHost(both, "127.0.0.1"));
            Assert.IsFalse(TandemTls.MatchesHost(both, "tandem.test"));

            // No subject alternative name at all: the common name stands in.
            var legacy = Cert(NoSanEcPem);
            Assert.IsTrue(TandemTls.MatchesHost(legacy, "legacy.tandem.test"));
            Assert.IsFalse(TandemTls.MatchesHost(legacy, "other.tandem.test"));

            Assert.IsFalse(TandemTls.MatchesHost(both, ""));
            Assert.IsFalse(TandemTls.MatchesHost(null, "dev.tandem.test"));
        }

        // ---- loading ----------------------------------------------------------------------

        [Test]
        public void ParsePemReadsEveryCertificateBlockAndSkipsOthers()
        {
            string bundle = "subject=whatever\r\n" + SelfEcPem.Replace("\n", "\r\n") +
                            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n" + CaPem;
            var certs = TandemTls.ParsePem(bundle);
            Assert.AreEqual(2, certs.Count);
            Assert.AreEqual(Cert(SelfEcPem).Thumbprint, certs[0].Thumbprint);
            Assert.AreEqual(Cert(CaPem).Thumbprint, certs[1].Thumbprint);
            StringAssert.Contains("Tandem Test CA", certs[1].Subject);
        }

        [Test]
        public void ParsePemRejectsDamagedInput()
        {
            Assert.Throws<FormatException>(() => TandemTls.ParsePem(""));
            Assert.Throws<FormatException>(() => TandemTls.ParsePem("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"));
            Assert.Throws<FormatException>(() => TandemTls.ParsePem("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"));
            Assert.Throws<FormatException>(() => TandemTls.ParsePem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
            Assert.Throws<FormatException>(() => TandemTls.ParsePem(SelfEcPem.Replace("-----END CERTIFICATE-----", "")));
            Assert.Throws<ArgumentNullException>(() => TandemTls.ParsePem(null));
        }

        [Test]
        public void LoadCertificatesReadsPemAndDerFiles()
        {
            string dir = Path.Combine(Path.GetTempPath(), "tandem-tls-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string pemPath = Path.Combine(dir, "server.pem");
                File.WriteAllText(pemPath, SelfEcPem + CaPem);
                Assert.AreEqual(2, TandemTls.LoadCertificates(pemPath).Count);

                string derPath = Path.Combine(dir, "server.cer");
                File.WriteAllBytes(derPath, Cert(SelfRsaPem).RawData);
                var der = TandemTls.LoadCertificates(derPath);
                Assert.AreEqual(1, der.Count);
                Assert.AreEqual(Cert(SelfRsaPem).Thumbprint, der[0].Thumbprint);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        // ---- fixtures: made once with Go's crypto/x509; valid 2020..2120 unless "expired" ----
        // (RSA 2048 and ECDSA P-256; the CA signs LeafByCa and ExpiredLeafByCa; ForgedLeaf
        // names the CA as its issuer but is signed by another key.)

        // Tandem Test CA
        const string CaPem = @"-----BEGIN CERTIFICATE-----
MIIDHzCCAgegAwIBAgIBZTANBgkqhkiG9w0BAQsFADAwMRUwEwYDVQQKEwxUYW5k
ZW0gdGVzdHMxFzAVBgNVBAMTDlRhbmRlbSBUZXN0IENBMCAXDTIwMDEwMTAwMDAw
MFoYDzIxMjAwMTAxMDAwMDAwWjAwMRUwEwYDVQQKEwxUYW5kZW0gdGVzdHMxFzAV
BgNVBAMTDlRhbmRlbSBUZXN0IENBMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB
CgKCAQEAkrc+yRIEDFC3s3AhxHKMjd60iB7kLHdYkFmysJ4baNl0ZQhDMfv1QL5R
gVCnDaY7rOR9pkDsQ1e/MenX3TyTp+w6pey0F0T4zPbp86XbUxB33c7EmrXLBHTG
xnWAotxj9e28UBTvPG7uqz9V8O3DXJlNpvHnxwGX2JAr/SlF7x3IGukYfG0a2RcG
yf+gQ3OViXPQAzj4AeTSoVyteSwuer8vLtjaTfQ5gv1tVrncqmUuG7UVhoB4DrFP
p+FVwU+oL3OKk2jwrnChNwbGC2m5VUFAsxyqjSv3/c+mS/3OSiDJFL/kTuNs0jjB
rIren+JPXjSYGeCgtD+XQa+g64vkpwIDAQABo0IwQDAOBgNVHQ8BAf8EBAMCAQYw
DwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQU42s6lItBWnvtbnw6lGGbiyp4Wqow
DQYJKoZIhvcNAQELBQADggEBACb92q8qbyssh7k2JWVJQW1+PxbH7Y5K7MGZrYxO
eHqTLMfhkw4pD7vfCdasxv05eICNKyR/yq9ah5LEfTKPoMOIdeXOEAo3nub4hHfj
UcBOGch05rG6kDWeswPLOOGEi7YUE8G9lFoy93KDQOrKMlrq0hK7aEN0iGRyctYp
MT+s6grTj5CLADDCvcfH2TTmGTJrTtlbxJSbiiNAUpWwG9RrLMxis8s1JJUQC1OF
qMlLdWWpfxQNh9ZIt3tryujHRXyL4LTqZMrPJpFwWDPinapJEqWiKWeeE/fH/DhE
HtNV+Rd8kSuQrozV6Su9xQCYC4MorPF+KIuPSV30p5YKCwo=
-----END CERTIFICATE-----
";

        // game.tandem.test
        const string LeafByCaPem = @"-----BEGIN CERTIFICATE-----
MIIDWDCCAkCgAwIBAgIBZjANBgkqhkiG9w0BAQsFADAwMRUwEwYDVQQKEwxUYW5k
ZW0gdGVzdHMxFzAVBgNVBAMTDlRhbmRlbSBUZXN0IENBMCAXDTIwMDEwMTAwMDAw
MFoYDzIxMjAwMTAxMDAwMDAwWjAyMRUwEwYDVQQKEwxUYW5kZW0gdGVzdHMxGTAX
BgNVBAMTEGdhbWUudGFuZGVtLnRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw
ggEKAoIBAQDGKOxmvmoRBonPybyQvC/6nkofcgunof793/fid0OsBogGFvFr026d
jtDlokjhWVh/VOtSPpKm9KbhdhBCfE1f8w1xW80kCoyq4TD7EHbjW/A9sKNc+SZ8
m2a02uwGVY+xOop6hxNp7cAPLM00l5CMFeK212qDEuqd9j9X3QCTT1hvnVm5VJ/6
XhBWyfGhqSEf2eOVcmDJqx2DGVvRtR7Fg0laR3ssPWkJq7xP2CiGWtQ7/MUmVeTq
lVwzUNT5UVukoYGeGVSTN5/tYPZrKv/qLKf3DqcwiQr083I8sUb7mZUJeEl8sP/T
BLG3Epp0wAEkVhsktWy2vkvYQfT42hqlAgMBAAGjeTB3MA4GA1UdDwEB/wQEAwIF
oDATBgNVHSUEDDAKBggrBgEFBQcDATAMBgNVHRMBAf8EAjAAMB8GA1UdIwQYMBaA
FONrOpSLQVp77W58OpRhm4sqeFqqMCEGA1UdEQQaMBiCEGdhbWUudGFuZGVtLnRl
c3SHBAoAAAcwDQYJKoZIhvcNAQELBQADggEBADHnhmLmv6FZ2CCDl3/lHBe4wqFN
RzZQu3zEDBuqMODHqcGwp9r7ETwV+6AtBpzmcehJ68Wf6UyNBBwinLHQEsEPxBVr
TIxmxdRIMfMisK7TK3HjQA29UZCQ3TvSugUW79f0Qt35cY2aDEMG55nfqQ8XivJx
Ds5GqXGJgJPdt6a25+yKpTuCVadLXam0DziWAz+JypxvCnPE0K+eAU6L8GDUD/C7
7nquRuVPFqYoJrmr8ro1qep8jV6sfapZcf8atqv0kHw8Al07Y5uIeKNtPkL/KmEA
3wPUHizKIzsERzYn6DWz3TWE7JhRlG5fqdfXYEa6WK4MBimtACjDwmELT94=
-----END CERTIFICATE-----
";

        // game.tandem.test
        const string ForgedLeafPem = @"-----BEGIN CERTIFICATE-----
MIIDWDCCAkCgAwIBAgIBZzANBgkqhkiG9w0BAQsFADAwMRUwEwYDVQQKEwxUYW5k
ZW0gdGVzdHMxFzAVBgNVBAMTDlRhbmRlbSBUZXN0IENBMCAXDTIwMDEwMTAwMDAw
MFoYDzIxMjAwMTAxMDAwMDAwWjAyMRUwEwYDVQQKEwxUYW5kZW0gdGVzdHMxGTAX
BgNVBAMTEGdhbWUudGFuZGVtLnRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw
ggEKAoIBAQDFrsX8YiBu78m0hkGo2QF2/E3mNrBxz5g0XZ/T15qAY5ROoCqC2OZa
PVJiLYBIAUzuwYcrLvbRgOhwOTTjuL2cRFF9oFIp+uFh5EWb6I+WvSjW/9Ob+6if
EJEZM1Jp/BjXs0d0oLb26BhobneJsNUuyZbllgMUzqQ430fQWejpHKAldZ/6dn28
AU87D9s5x4UlLH0HqlMfffl5NLnAASOEQ3nYa4n7yIhvvFc9ufjqhlBx91ufbTLd
NrhJEQWRWAO/++YjEp5BeBNTFULeT8slz3dqkdewBs7nnv1CEP176RoJRisl+WGh
7MaKUNTMqSeHgeYZRd98FornH18WcvsRAgMBAAGjeTB3MA4GA1UdDwEB/wQEAwIF
oDATBgNVHSUEDDAKBggrBgEFBQcDATAMBgNVHRMBAf8EAjAAMB8GA1UdIwQYMBaA
FONrOpSLQVp77W58OpRhm4sqeFqqMCEGA1UdEQQaMBiCEGdhbWUudGFuZGVtLnRl
c3SHBAoAAAcwDQYJKoZIhvcNAQELBQADggEBAG3KTK++KEfu0nlP9JR3daVHffYG
1LVuI6H6YZdSrjUtHCf3pwY5p+0nojEDbPI2fzwEsJTeqCKo5BPlk6IELKCL44lC
hz78W+MzzOOBekxMqAs0iHcCT+anx5XOJeHreN5RKRKjFCg4tGsxqFeTwCMIrPoI
hDtHAbi/mQJLYFztciHb8tD3g462lNGoWPJqfQ7ywFCSulKzlhlTGCSHmOELpO2s
FY50e5q0nauG2IhEA4A3V2uYSX/pVZUhPMMWZ+A0+d8Wla2+ykO8ZApq975D9rdt
kRAURw5WpHWlFR3OMoz/x1r36jOvWGhmOgAm43Uz0OaSgYhwHiiVjTyFTB0=
-----END CERTIFICATE-----
";

        // old.tandem.test
        const string ExpiredLeafByCaPem = @"-----BEGIN CERTIFICATE-----
MIIDTjCCAjagAwIBAgIBaDANBgkqhkiG9w0BAQsFADAwMRUwEwYDVQQKEwxUYW5k
ZW0gdGVzdHMxFzAVBgNVBAMTDlRhbmRlbSBUZXN0IENBMB4XDTAxMDEwMTAwMDAw
MFoXDTAyMDEwMTAwMDAwMFowMTEVMBMGA1UEChMMVGFuZGVtIHRlc3RzMRgwFgYD
VQQDEw9vbGQudGFuZGVtLnRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK
AoIBAQC04qEl7o25jezLblOgHKkRxcir+F+WGVJe9J2daEeQbFJs7M4IEFJtybtX
mtdneAzb9/mRlrh5ALgj7ZKyUfxJyirKHS30Xy1Ov01tvZ3uYUmCLtjYmo3ROhSJ
xPGA+jpVz5f2SizY2Qx5HY/OF5imdAM0ysx+lXUqvxhb1+RgclzZClNbLwIJtXxh
yvIaRO3YdENglDEqRq2XVvHZNPSfB3Y6kT8oRqw+u8DpEosr4iuPDPAjNnyEsFvI
azM59sLpIGrMb5T8RZ5jHQ0vOrJA2IGaEoLMFQENxtVcMxu3yVmfxLYW+tgXxX26
+8lo0Wf2FgvFvWRu9G41UN2YIpZ1AgMBAAGjcjBwMA4GA1UdDwEB/wQEAwIFoDAT
BgNVHSUEDDAKBggrBgEFBQcDATAMBgNVHRMBAf8EAjAAMB8GA1UdIwQYMBaAFONr
OpSLQVp77W58OpRhm4sqeFqqMBoGA1UdEQQTMBGCD29sZC50YW5kZW0udGVzdDAN
BgkqhkiG9w0BAQsFAAOCAQEAaXRpfZTOS8ugijjQdIBCc0YkOSqHFu08h1j6BK6R
y4hnHhVd6cz6L5o8CP7d9HdtVkqoAd1nYhY7W6wbAFzp2C5vCy6CyvX97wmMcX97
tqc7Lm27LC76rAoDKifdtd68FXh8YAFItDwN7mW/vFmodJ1ueDxLIBu+GlA1RuQP
Cz4zgLbSUMlGb7+NfmzZ/RzEaNIsgAnvFAiJm7nQJ+NhkKHZFlwDvW45EHhwtpeR
xb6MtOy6YdFVg2TAb0gK9iQI/rcP35j5ikwjDFrIu0ZQMVCc3MULokEUiWVmY1Qr
+6f25d82fTE+9clr6k2iyPjsNCEdQqdngShcyDXR5h2vkQ==
-----END CERTIFICATE-----
";

        // dev.tandem.test
        const string SelfRsaPem = @"-----BEGIN CERTIFICATE-----
MIIDNjCCAh6gAwIBAgIBaTANBgkqhkiG9w0BAQsFADAxMRUwEwYDVQQKEwxUYW5k
ZW0gdGVzdHMxGDAWBgNVBAMTD2Rldi50YW5kZW0udGVzdDAgFw0yMDAxMDEwMDAw
MDBaGA8yMTIwMDEwMTAwMDAwMFowMTEVMBMGA1UEChMMVGFuZGVtIHRlc3RzMRgw
FgYDVQQDEw9kZXYudGFuZGVtLnRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw
ggEKAoIBAQDYJ9ccZiwBODCggbeYKuawBV2673JCuahHY1tybFMxxS4RWyODvz4O
nWBLnTyKhRri04wOB2ibdWlun2CPAYu95fqoU0NMwiWfPLEKEzuYnvQfSCIYlTU9
ROCAnwtWIEdIAY9+fW6aeB6NSAfkstD1oNdZl8tbqrPetNyrnaBlT+goZN2z0MTW
zej2pCvWsdYAda5RIL4VTEK0V+ExRyRdbsHrg4/B6NTZdbdCovL7lKwwlrly2VX5
0tfZq3Heb0iNndOUCtmh8A1DTnbVoZ9/zzbr6H6nMjfyAKQUm/b90ivFiOA0pGNj
AextrkrURLIvWZMqMk2NzMcTGqK1UgSJAgMBAAGjVzBVMA4GA1UdDwEB/wQEAwIF
oDATBgNVHSUEDDAKBggrBgEFBQcDATAMBgNVHRMBAf8EAjAAMCAGA1UdEQQZMBeC
D2Rldi50YW5kZW0udGVzdIcEfwAAATANBgkqhkiG9w0BAQsFAAOCAQEATcar4XW1
m4zSb/M6rnkxbdwb0ZBzzMBlYIQMX2Vtx632wj5uDb8rhsPLnMEV4D/oTu5pd6r+
JiIeN4hvys7sly3YD8j7hYlD+M76w4bCLEwMzj++qbiwJUAssJ8PxzXj+StkqpZd
Xi6za2C5IEN11sve3PrMtC0WDWIzeKNgZk28KgWUwoBV0H84IccYRCcWFPB9hgvw
91yrJsHWUH2+7U3qDlkFmZ06nbfRBqy9iVwwZkaWEgTCiIBofASKd4XkXvANaQtP
ah7iufevXgZEepwfdkd2hhu0X4bsdw3RFmZpLRsGNScAJ/YA7sxv+876Fio8cjyD
lZR9rzzPvJhSsA==
-----END CERTIFICATE-----
";

        // 127.0.0.1
        const string SelfEcPem = @"-----BEGIN CERTIFICATE-----
MIIBnjCCAUWgAwIBAgIBajAKBggqhkjOPQQDAjArMRUwEwYDVQQKEwxUYW5kZW0g
dGVzdHMxEjAQBgNVBAMTCTEyNy4wLjAuMTAgFw0yMDAxMDEwMDAwMDBaGA8yMTIw
MDEwMTAwMDAwMFowKzEVMBMGA1UEChMMVGFuZGVtIHRlc3RzMRIwEAYDVQQDEwkx
MjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASBlyr5CSdS5ayjjEuE
hgdQObTs0Jtq2vjtkihSUlGCxzd/rN0bPUPT7q/71twKniNa/6T22qk5ZY90PyKn
k3flo1gwVjAOBgNVHQ8BAf8EBAMCBaAwEwYDVR0lBAwwCgYIKwYBBQUHAwEwDAYD
VR0TAQH/BAIwADAhBgNVHREEGjAYhwR/AAABhxAAAAAAAAAAAAAAAAAAAAABMAoG
CCqGSM49BAMCA0cAMEQCIA4jIrUMmtuNgia57X5K9JpNPvqeg4gCs6/99u5XudWr
AiAh5NZoNLdE3vqnhNkUomk9lBXkoH++mPmd8ovMb4Bq7g==
-----END CERTIFICATE-----
";

        // 127.0.0.1
        const string OtherEcPem = @"-----BEGIN CERTIFICATE-----
MIIBjTCCATOgAwIBAgIBazAKBggqhkjOPQQDAjArMRUwEwYDVQQKEwxUYW5kZW0g
dGVzdHMxEjAQBgNVBAMTCTEyNy4wLjAuMTAgFw0yMDAxMDEwMDAwMDBaGA8yMTIw
MDEwMTAwMDAwMFowKzEVMBMGA1UEChMMVGFuZGVtIHRlc3RzMRIwEAYDVQQDEwkx
MjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ6bSZI5q6iq4fWg/P5
n0gFSIGBxOk6/u3yJVRN7IL9wOjQrZ+lY1XnSo7o7y4JH1DRCjHvMLizfNxYw4am
0lzwo0YwRDAOBgNVHQ8BAf8EBAMCBaAwEwYDVR0lBAwwCgYIKwYBBQUHAwEwDAYD
VR0TAQH/BAIwADAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUCIQDO
uF/fvAEDH1PqWXxuNgQqIcLxg0CsU2ZRTe5E+uesSQIgeMJzvuEzSyK5e+um1pVq
f9wJre0mXEqVyEK+RwYSL9U=
-----END CERTIFICATE-----
";

        // 127.0.0.1
        const string ExpiredEcPem = @"-----BEGIN CERTIFICATE-----
MIIBjDCCATGgAwIBAgIBbDAKBggqhkjOPQQDAjArMRUwEwYDVQQKEwxUYW5kZW0g
dGVzdHMxEjAQBgNVBAMTCTEyNy4wLjAuMTAeFw0wMTAxMDEwMDAwMDBaFw0wMjAx
MDEwMDAwMDBaMCsxFTATBgNVBAoTDFRhbmRlbSB0ZXN0czESMBAGA1UEAxMJMTI3
LjAuMC4xMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwvHlCAcJ0lsND8+MKJtg
2mbRu409F/6GdzC+31KFA/QoOcHUgPR5ZvTh2+Aw0Qti2/0yCyIOe8p6eAeiFWUG
caNGMEQwDgYDVR0PAQH/BAQDAgWgMBMGA1UdJQQMMAoGCCsGAQUFBwMBMAwGA1Ud
EwEB/wQCMAAwDwYDVR0RBAgwBocEfwAAATAKBggqhkjOPQQDAgNJADBGAiEA/9Qw
ocJDlRSWzb3+Jb62OTO5fosFo5Q31lWtNbdbUrkCIQCJK8Be7l3Y3xDfqbICYEiA
TDTqkkcuqHrw5y+sj7p1yA==
-----END CERTIFICATE-----
";

        // *.tandem.test
        const string WildcardEcPem = @"-----BEGIN CERTIFICATE-----
MIIBnjCCAUSgAwIBAgIBbTAKBggqhkjOPQQDAjAvMRUwEwYDVQQKEwxUYW5kZW0g
dGVzdHMxFjAUBgNVBAMMDSoudGFuZGVtLnRlc3QwIBcNMjAwMTAxMDAwMDAwWhgP
MjEyMDAxMDEwMDAwMDBaMC8xFTATBgNVBAoTDFRhbmRlbSB0ZXN0czEWMBQGA1UE
AwwNKi50YW5kZW0udGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFD8BQmB
nADZ3xDYGTmjoMEykFCpdbkDnvacCqXp/+h9huDO6mSs49K4+IHHoFmZyvqCmXss
vtrvbFZQUVyqT/2jTzBNMA4GA1UdDwEB/wQEAwIFoDATBgNVHSUEDDAKBggrBgEF
BQcDATAMBgNVHRMBAf8EAjAAMBgGA1UdEQQRMA+CDSoudGFuZGVtLnRlc3QwCgYI
KoZIzj0EAwIDSAAwRQIgccGl/A8fH/sJRTFGCva4rDZEnPA3IqY+Myzeh5LuRfgC
IQC1WmpNG1Gq9JxSNgHR/y+0a+X7n6OqfD5Oo+dl4dlxsw==
-----END CERTIFICATE-----
";

        // legacy.tandem.test
        const string NoSanEcPem = @"-----BEGIN CERTIFICATE-----
MIIBjjCCATSgAwIBAgIBbjAKBggqhkjOPQQDAjA0MRUwEwYDVQQKEwxUYW5kZW0g
dGVzdHMxGzAZBgNVBAMTEmxlZ2FjeS50YW5kZW0udGVzdDAgFw0yMDAxMDEwMDAw
MDBaGA8yMTIwMDEwMTAwMDAwMFowNDEVMBMGA1UEChMMVGFuZGVtIHRlc3RzMRsw
GQYDVQQDExJsZWdhY3kudGFuZGVtLnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMB
BwNCAAQPdjLHb7miAhNzt58kmDiGKmPyxvWTdS4tU2LxXgSFUOLFBq89WBcVVZp4
rTVauR+VpRJucl1hbapwxMUpXq5yozUwMzAOBgNVHQ8BAf8EBAMCBaAwEwYDVR0l
BAwwCgYIKwYBBQUHAwEwDAYDVR0TAQH/BAIwADAKBggqhkjOPQQDAgNIADBFAiEA
4u+L20fYTFPLXlGTUm4frzykEgba8m+8L547QNOqHrwCIEG0DlECr5FkxaCwMk0r
JGoQg3Uh3/ZoOJyZ9RJqhTKk
-----END CERTIFICATE-----
";
    }
}
