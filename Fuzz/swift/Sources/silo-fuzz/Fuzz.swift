import Dispatch
import Foundation
import SiloFuzzTargets

/// The target named by `SILO_FUZZ_TARGET`; libFuzzer's own `main` calls `LLVMFuzzerTestOneInput` per input.
let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["SILO_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("SILO_FUZZ_TARGET must be one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// Inputs arrive on libFuzzer's thread; async targets run on the cooperative pool while this thread waits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    let done = DispatchSemaphore(value: 0)
    let chosen = target
    Task.detached {
        await chosen.run(bytes)
        done.signal()
    }
    done.wait()
    return 0
}

// SwiftPM links an executable's `main` to `<module>_main` (`--defsym main=silo_fuzz_main`), which
// `-parse-as-library` leaves undefined: this is it, handing control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("silo_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
