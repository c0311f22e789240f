import YakubaServer

try await Yakuba.main()
