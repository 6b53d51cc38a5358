import Experiments
import Testing
import Training

@Suite struct VersionTests {
    /// Run fingerprints record `MetaMLIPVersion.current`; `metamlip --version` and the C
    /// library print `MetaMLIPRelease.version`: one release, one number.
    @Test func fingerprintVersionIsTheRelease() {
        #expect(MetaMLIPVersion.current == MetaMLIPRelease.version)
    }
}
