public enum ProtoWire {}
