import Testing
@testable import SkannrCore
