"""getattr(nn, cell.upper()) and other attribute names."""


class RNNLanguageModel(nn.Module):
    def __init__(self, vocab_size, hidden_dim, num_layers=1, cell="rnn", pad_id=0):
        super().__init__()
        if cell not in ("rnn", "lstm", "gru"):
            raise ValueError(f"cell must be rnn, lstm or gru, not {cell}")
        self.embed = nn.Embedding(vocab_size, hidden_dim, padding_idx=pad_id)
        self.recurrent = getattr(nn, cell.upper())(hidden_dim, hidden_dim, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_dim, vocab_size)

    def forward(self, input_ids, hidden=None):
        x = self.embed(input_ids)
        x, hidden = self.recurrent(x, hidden)
        return self.head(x), hidden
